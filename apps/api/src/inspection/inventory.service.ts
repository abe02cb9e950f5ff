// A node's last applied inspection: the inventory its ramdisk reported and what Ironflow derived.
import { Injectable } from '@nestjs/common';
import { nodeScope } from '../common/access';
import { NotFoundError } from '../common/errors';
import type { RequestContext } from '../common/request-context';
import { Store } from '../infra/store';
import { findNode } from '../nodes/node-lookup';

@Injectable()
export class InventoryService {
  constructor(private readonly store: Store) {}

  async get(ident: string, ctx: RequestContext): Promise<{ inventory: unknown; plugin_data: unknown }> {
    const node = await findNode(this.store.db, ident, nodeScope(ctx));
    const row = await this.store.db.nodeInventory.findFirst({
      where: { nodeId: node.id, appliedAt: { not: null } },
      orderBy: { appliedAt: 'desc' },
    });
    // Ironic's NodeInventoryNotFound.
    if (!row) throw new NotFoundError(`Node inventory for node ${node.uuid} could not be found.`);
    return { inventory: JSON.parse(row.inventory), plugin_data: row.pluginData ? JSON.parse(row.pluginData) : {} };
  }
}
