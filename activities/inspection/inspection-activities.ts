// Inspection's database side: the start time, and applying a stored inventory (the API
// keeps what the ramdisk reported in node_inventories; the workflow passes only its id).
// Applying is one transaction: properties, new ports, plugin_data, the inspection end
// time and a history event with the diff. Running it twice changes nothing more.
import crypto from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '#prisma/database';
import { writeHistory } from '#prisma/node-operations';
import type { Inventory } from '#workflows/contracts/inventory';
import { applyInspection } from '#workflows/domain/inspection';

export interface InspectionActivityDeps {
  db: Database;
}

export interface AppliedInventory {
  changes: string[];
  portsCreated: string[];
}

export function createInspectionActivities({ db }: InspectionActivityDeps) {
  return {
    /** inspection_started_at = now, inspection_finished_at cleared (Ironic sets both around an inspection). */
    async markInspectionStarted(nodeUuid: string): Promise<void> {
      await db.node.updateMany({ where: { uuid: nodeUuid }, data: { inspectionStartedAt: new Date(), inspectionFinishedAt: null } });
    },

    async applyInventory(i: { nodeUuid: string; inventoryId: string; actor: string; requestId: string }): Promise<AppliedInventory> {
      return db.$transaction(async (tx) => {
        const node = await tx.node.findUnique({ where: { uuid: i.nodeUuid }, include: { ports: true } });
        if (!node) throw ApplicationFailure.nonRetryable(`Node ${i.nodeUuid} could not be found.`, 'NodeNotFound');
        const row = await tx.nodeInventory.findUnique({ where: { id: i.inventoryId } });
        if (!row || row.nodeId !== node.id)
          throw ApplicationFailure.nonRetryable(
            `Inventory ${i.inventoryId} of node ${i.nodeUuid} could not be found.`,
            'InventoryNotFound',
          );
        const stored = row.pluginData ? (JSON.parse(row.pluginData) as { changes?: string[]; ports_created?: string[] }) : undefined;
        if (row.appliedAt && stored) return { changes: stored.changes ?? [], portsCreated: stored.ports_created ?? [] }; // a retry
        const inv = JSON.parse(row.inventory) as Inventory;
        const macs = inv.interfaces.map((n) => n.mac_address.toLowerCase());
        const others = await tx.port.findMany({ where: { address: { in: macs }, nodeId: { not: node.id } }, select: { address: true } });
        const r = applyInspection(inv, {
          properties: JSON.parse(node.properties) as Record<string, unknown>,
          portMacs: node.ports.map((p) => p.address),
          takenMacs: others.map((p) => p.address),
        });
        const now = new Date();
        for (const p of r.newPorts) {
          await tx.port.create({
            data: { uuid: crypto.randomUUID(), address: p.address, nodeId: node.id, pxeEnabled: p.pxeEnabled, extra: '{}' },
          });
        }
        await tx.node.update({
          where: { id: node.id },
          data: { properties: JSON.stringify(r.properties), inspectionFinishedAt: now, updatedAt: now },
        });
        const pluginData = { ...r.pluginData, changes: r.changes };
        await tx.nodeInventory.update({ where: { id: row.id }, data: { appliedAt: now, pluginData: JSON.stringify(pluginData) } });
        // One inventory per node: the newest applied one.
        await tx.nodeInventory.deleteMany({ where: { nodeId: node.id, id: { not: row.id } } });
        const ports = r.newPorts.map((p) => `${p.address}${p.pxeEnabled ? ' (pxe)' : ''}`);
        const parts = [
          r.changes.length ? r.changes.join('; ') : 'properties unchanged',
          ports.length ? `ports created: ${ports.join(', ')}` : 'no new ports',
        ];
        await writeHistory(tx, {
          nodeId: node.id,
          nodeUuid: node.uuid,
          eventType: 'inspect',
          actor: i.actor,
          requestId: i.requestId,
          event: `Inspection applied: ${parts.join('; ')}`,
        });
        return { changes: r.changes, portsCreated: r.newPorts.map((p) => p.address) };
      });
    },
  };
}
