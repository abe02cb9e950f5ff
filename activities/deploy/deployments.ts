// Deployment records: one per boot of the deploy ramdisk. The secret and CHAP
// credentials are made here, sealed in the database, and read back only by the
// activities that need them (boot config, iSCSI write): never through Temporal.
import crypto from 'node:crypto';
import type { Database } from '#prisma/database';
import { openValue, sealValue, type SealKeys } from '#prisma/sealed-json';

export type RamdiskCommand = 'wait' | 'done' | 'export' | 'erase';

export interface DeploymentSecrets {
  secret: string;
  chap: { user: string; secret: string } | null;
  imageToken: string | null;
}

function token(bytes: number): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

export function createDeploymentStore(db: Database, keys: SealKeys) {
  return {
    async create(i: {
      nodeUuid: string;
      workflowId: string;
      runId: string;
      mode: string;
      ttlSec: number;
      imageKey?: string;
    }): Promise<string> {
      const id = crypto.randomUUID();
      // Every mode may export the disk: direct mode does after its write when there is a config drive.
      const chap = { user: `ironflow-${id.slice(0, 8)}`, secret: token(12) };
      await db.deployment.create({
        data: {
          id,
          nodeUuid: i.nodeUuid,
          workflowId: i.workflowId,
          runId: i.runId,
          mode: i.mode,
          secret: sealValue(token(24), keys),
          chap: sealValue(JSON.stringify(chap), keys),
          imageToken: i.mode === 'direct' ? sealValue(token(24), keys) : null,
          imageKey: i.imageKey ?? null,
          expiresAt: new Date(Date.now() + i.ttlSec * 1000),
        },
      });
      return id;
    },

    async secrets(id: string): Promise<DeploymentSecrets> {
      const d = await db.deployment.findUniqueOrThrow({ where: { id } });
      return {
        secret: openValue(d.secret, keys),
        chap: d.chap ? (JSON.parse(openValue(d.chap, keys)) as { user: string; secret: string }) : null,
        imageToken: d.imageToken ? openValue(d.imageToken, keys) : null,
      };
    },

    async setCommand(id: string, command: RamdiskCommand, args: Record<string, unknown> = {}): Promise<void> {
      await db.deployment.update({ where: { id }, data: { command, commandArgs: JSON.stringify(args) } });
    },

    /** Closed deployments refuse every callback: the secret is spent. */
    async close(id: string): Promise<void> {
      await db.deployment.updateMany({ where: { id, status: 'active' }, data: { status: 'closed', closedAt: new Date() } });
    },

    /** True once the ramdisk has been answered with `done` (it asked after we said so). */
    async doneDelivered(id: string): Promise<boolean> {
      const d = await db.deployment.findUnique({ where: { id } });
      return !!d?.lastAnswer && (JSON.parse(d.lastAnswer) as { command?: string }).command === 'done';
    },
  };
}

export type DeploymentStore = ReturnType<typeof createDeploymentStore>;
