// Enrolls a server that PXE-booted while unknown: a node in `enroll` with its ports, its properties
// from the inventory and an admin-visible history event (workflows/domain/discovery.ts decides what).
// A server some port already names is not enrolled again: the answer is `done` either way, so the
// ramdisk powers the machine off. Node and ports are written in one transaction; the ports' unique
// MACs make two racing reports of one server (a retry) create one node.
import crypto from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { writeHistory } from '#prisma/node-operations';
import { discoveredNode, inventoryMacs } from '#workflows/domain/discovery';
import { nodeColumns } from '../nodes/node-fields';
import { NodesService } from '../nodes/nodes.service';
import { Store } from '../infra/store';
import type { DiscoveryReport } from './discovery-request';

export interface DiscoveryAnswer {
  ack: number;
  command: 'done';
  node_uuid: string;
  created: boolean;
}

@Injectable()
export class DiscoveryService {
  constructor(
    private readonly store: Store,
    private readonly nodes: NodesService,
  ) {}

  private async known(macs: string[]): Promise<string | undefined> {
    const port = await this.store.db.port.findFirst({ where: { address: { in: macs } }, include: { node: true } });
    return port?.node.uuid;
  }

  async report(r: DiscoveryReport, source: string, requestId: string): Promise<DiscoveryAnswer> {
    const macs = inventoryMacs(r.inventory);
    const existing = await this.known(macs);
    if (existing) return { ack: r.seq, command: 'done', node_uuid: existing, created: false };
    const d = discoveredNode(r.inventory, source);
    const cols = nodeColumns({ driver: 'ipmi', driver_info: d.driverInfo, properties: d.properties }, 'create');
    const uuid = crypto.randomUUID();
    try {
      await this.store.db.$transaction(async (tx) => {
        const node = await tx.node.create({ data: { uuid, ...this.nodes.toData(cols), provisionState: 'enroll', createdAt: new Date() } });
        for (const p of d.ports) {
          await tx.port.create({
            data: {
              uuid: crypto.randomUUID(),
              address: p.address,
              nodeId: node.id,
              pxeEnabled: p.pxeEnabled,
              extra: '{}',
              localLinkConnection: '{}',
              createdAt: new Date(),
            },
          });
        }
        await writeHistory(tx, {
          nodeId: node.id,
          nodeUuid: uuid,
          eventType: 'discovery',
          actor: 'discovery-ramdisk',
          requestId,
          toState: 'enroll',
          severity: d.severity,
          event: d.event,
        });
        await writeHistory(tx, {
          nodeId: node.id,
          nodeUuid: uuid,
          eventType: 'discovery',
          actor: 'discovery-ramdisk',
          requestId,
          event: d.summary,
        });
      });
    } catch (e) {
      // Another report of the same server won the race for a MAC: that node is the answer.
      const winner = await this.known(macs);
      if (winner) return { ack: r.seq, command: 'done', node_uuid: winner, created: false };
      throw e;
    }
    return { ack: r.seq, command: 'done', node_uuid: uuid, created: true };
  }
}
