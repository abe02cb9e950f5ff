// Chassis: a named grouping of nodes (description, extra). Nodes name theirs by
// chassis_uuid; a chassis that still holds nodes cannot be deleted.
import crypto from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Chassis } from '#prisma/generated/sqlite/client';
import { requireAdmin } from '../common/access';
import { BadRequestError, ConflictError, NotFoundError } from '../common/errors';
import { readUuid, type Json } from '../common/input';
import { applyPatch, type PatchOp } from '../common/json-patch';
import type { RequestContext } from '../common/request-context';
import { Store } from '../infra/store';
import { parseJson } from '../nodes/node-view';
import type { Page } from '../nodes/nodes.service';
import { CHASSIS_PATCH_KEYS, CHASSIS_SORTABLE, chassisColumns, type ChassisColumns, type ChassisListQuery } from './chassis-request';
import { chassisView } from './chassis-view';

export class ChassisNotFoundError extends NotFoundError {
  constructor(ident: string) {
    super(`Chassis ${ident} could not be found.`);
  }
}

@Injectable()
export class ChassisService {
  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db;
  }

  async get(id: string): Promise<Chassis> {
    const c = await this.db.chassis.findUnique({ where: { uuid: readUuid(id, 'chassis_uuid') } });
    if (!c) throw new ChassisNotFoundError(id);
    return c;
  }

  private data(cols: ChassisColumns) {
    return { description: cols.description, extra: JSON.stringify(cols.extra) };
  }

  async create(req: { uuid?: string; columns: ChassisColumns }, ctx: RequestContext): Promise<Chassis> {
    requireAdmin(ctx, 'create chassis');
    const uuid = req.uuid ?? crypto.randomUUID();
    try {
      return await this.db.chassis.create({ data: { uuid, ...this.data(req.columns), createdAt: new Date() } });
    } catch (e) {
      if ((e as { code?: string }).code === 'P2002') throw new ConflictError(`A chassis with UUID ${uuid} already exists.`);
      throw e;
    }
  }

  async list(q: ChassisListQuery, base: string): Promise<Page> {
    const { limit, sortKey, sortDir, marker, fields } = q;
    if (marker && !(await this.db.chassis.findUnique({ where: { uuid: marker }, select: { id: true } })))
      throw new ChassisNotFoundError(marker);
    const rows = await this.db.chassis.findMany({
      orderBy: sortKey === 'id' ? [{ id: sortDir }] : [{ [CHASSIS_SORTABLE[sortKey]]: sortDir }, { id: sortDir }],
      take: limit,
      ...(marker ? { cursor: { uuid: marker }, skip: 1 } : {}),
    });
    const shown = q.detail ? undefined : (fields ?? ['uuid', 'description']);
    const items = rows.map((c) => chassisView(c, base, shown));
    if (rows.length < limit) return { items };
    const next: Record<string, string> = { sort_key: sortKey, sort_dir: sortDir, limit: String(limit), marker: rows[rows.length - 1].uuid };
    if (fields) next.fields = fields.join(',');
    return { items, next };
  }

  async patch(c: Chassis, ops: PatchOp[], ctx: RequestContext): Promise<Chassis> {
    const current: Json = { description: c.description, extra: parseJson(c.extra) };
    const cols = chassisColumns(applyPatch(current, ops, CHASSIS_PATCH_KEYS));
    requireAdmin(ctx, 'change chassis');
    return this.db.chassis.update({ where: { id: c.id }, data: { ...this.data(cols), updatedAt: new Date() } });
  }

  async delete(c: Chassis, ctx: RequestContext): Promise<void> {
    requireAdmin(ctx, 'delete chassis');
    await this.db.$transaction(async (tx) => {
      const nodes = await tx.node.count({ where: { chassisUuid: c.uuid } });
      if (nodes)
        throw new BadRequestError(
          `Cannot complete the requested action because chassis ${c.uuid} contains nodes (${nodes}); move them out (node set --chassis-uuid / unset) or delete them first.`,
        );
      await tx.chassis.delete({ where: { id: c.id } });
    });
  }
}
