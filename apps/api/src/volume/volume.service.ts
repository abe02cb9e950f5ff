// Volume connectors and targets: records of a node's storage initiators and the volumes it
// would boot from. Only `noop` storage exists (no boot from volume yet), so they are records
// with Ironic's validation and uniqueness, nothing more. Decides; never speaks HTTP.
//
// As Ironic's conductor, a connector or target may be changed or deleted only while its node
// is not powered on (or in maintenance): the storage interface attaches volumes at power on.
import crypto from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Node, VolumeConnector, VolumeTarget } from '#prisma/generated/sqlite/client';
import { nodeScope } from '../common/access';
import { BadRequestError, ConflictError, InvalidStateRequestedError, NotFoundError } from '../common/errors';
import { isUuidLike, normalizeUuid } from '../common/input';
import { applyPatch, type PatchOp } from '../common/json-patch';
import { links } from '../common/links';
import { pageArgs, pageOf, pick, type SimpleListQuery } from '../common/list-query';
import type { RequestContext } from '../common/request-context';
import { uniqueViolation } from '../common/unique-violation';
import { Store } from '../infra/store';
import { findNode } from '../nodes/node-lookup';
import {
  checkConnector,
  checkTarget,
  CONNECTOR_PATCH_KEYS,
  TARGET_PATCH_KEYS,
  type ConnectorValues,
  type TargetValues,
} from './volume-request';

type WithNode<T> = T & { node: Node };

export function connectorView(c: WithNode<VolumeConnector>, base: string): Record<string, unknown> {
  return {
    uuid: c.uuid,
    node_uuid: c.node.uuid,
    type: c.type,
    connector_id: c.connectorId,
    extra: JSON.parse(c.extra) as unknown,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt?.toISOString() ?? null,
    links: links(base, 'volume/connectors', c.uuid),
  };
}

export function targetView(t: WithNode<VolumeTarget>, base: string): Record<string, unknown> {
  return {
    uuid: t.uuid,
    node_uuid: t.node.uuid,
    volume_type: t.volumeType,
    properties: JSON.parse(t.properties) as unknown,
    boot_index: t.bootIndex,
    volume_id: t.volumeId,
    extra: JSON.parse(t.extra) as unknown,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt?.toISOString() ?? null,
    links: links(base, 'volume/targets', t.uuid),
  };
}

@Injectable()
export class VolumeService {
  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db;
  }

  /** The node a body names, in the request's scope (400: a body naming a missing node is a bad request). */
  private async nodeOf(uuid: string, ctx: RequestContext): Promise<Node> {
    return findNode(this.db, uuid, nodeScope(ctx)).catch(() => {
      throw new BadRequestError(`Node ${uuid} could not be found: node_uuid must name an existing node by UUID.`);
    });
  }

  /** Ironic's update/destroy rule: not while the node is powered on (unless in maintenance). */
  private checkOff(node: Node, action: string): void {
    if (node.powerState === 'power on' && !node.maintenance)
      throw new InvalidStateRequestedError(`${action} (power the node off first)`, node.uuid, node.powerState);
  }

  // ---- connectors ----

  async connector(ident: string, ctx: RequestContext): Promise<WithNode<VolumeConnector>> {
    const c = isUuidLike(ident)
      ? await this.db.volumeConnector.findFirst({ where: { uuid: normalizeUuid(ident), node: nodeScope(ctx) }, include: { node: true } })
      : null;
    if (!c) throw new NotFoundError(`Volume connector ${ident} could not be found.`);
    return c;
  }

  async listConnectors(q: SimpleListQuery, base: string, ctx: RequestContext, nodeIdent?: string) {
    const where: Record<string, unknown> = { node: nodeScope(ctx) };
    const ident = nodeIdent ?? q.filters.node;
    if (ident !== undefined) where.nodeId = (await findNode(this.db, ident, nodeScope(ctx))).id;
    if (q.marker && !(await this.db.volumeConnector.findUnique({ where: { uuid: q.marker } })))
      throw new NotFoundError(`Volume connector ${q.marker} could not be found.`);
    const rows = await this.db.volumeConnector.findMany({ where, include: { node: true }, ...pageArgs(q) });
    return pageOf(rows, q, (c) => pick(connectorView(c, base), q.show));
  }

  private async writeConnector<T>(v: ConnectorValues, uuid: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const f = uniqueViolation(e);
      if (f?.some((x) => x === 'uuid' || x.endsWith('uuid_key')))
        throw new ConflictError(`A volume connector with UUID ${uuid} already exists.`);
      if (f !== undefined)
        throw new ConflictError(`A volume connector with type ${v.type} and connector ID ${v.connectorId} already exists.`);
      throw e;
    }
  }

  async createConnector(v: ConnectorValues & { uuid?: string }, ctx: RequestContext) {
    const node = await this.nodeOf(v.nodeUuid, ctx);
    const uuid = v.uuid ?? crypto.randomUUID();
    return this.writeConnector(v, uuid, () =>
      this.db.volumeConnector.create({
        data: { uuid, nodeId: node.id, type: v.type, connectorId: v.connectorId, extra: JSON.stringify(v.extra) },
        include: { node: true },
      }),
    );
  }

  async patchConnector(c: WithNode<VolumeConnector>, ops: PatchOp[], ctx: RequestContext) {
    this.checkOff(c.node, 'volume connector update');
    const before = { node_uuid: c.node.uuid, type: c.type, connector_id: c.connectorId, extra: JSON.parse(c.extra) as unknown };
    const v = checkConnector(applyPatch(before, ops, CONNECTOR_PATCH_KEYS));
    const node = v.nodeUuid === c.node.uuid ? c.node : await this.nodeOf(v.nodeUuid, ctx);
    if (node.id !== c.node.id) this.checkOff(node, 'volume connector update');
    return this.writeConnector(v, c.uuid, () =>
      this.db.volumeConnector.update({
        where: { id: c.id },
        data: { nodeId: node.id, type: v.type, connectorId: v.connectorId, extra: JSON.stringify(v.extra), updatedAt: new Date() },
        include: { node: true },
      }),
    );
  }

  async deleteConnector(c: WithNode<VolumeConnector>): Promise<void> {
    this.checkOff(c.node, 'volume connector deletion');
    await this.db.volumeConnector.deleteMany({ where: { id: c.id } });
  }

  // ---- targets ----

  async target(ident: string, ctx: RequestContext): Promise<WithNode<VolumeTarget>> {
    const t = isUuidLike(ident)
      ? await this.db.volumeTarget.findFirst({ where: { uuid: normalizeUuid(ident), node: nodeScope(ctx) }, include: { node: true } })
      : null;
    if (!t) throw new NotFoundError(`Volume target ${ident} could not be found.`);
    return t;
  }

  async listTargets(q: SimpleListQuery, base: string, ctx: RequestContext, nodeIdent?: string) {
    const where: Record<string, unknown> = { node: nodeScope(ctx) };
    const ident = nodeIdent ?? q.filters.node;
    if (ident !== undefined) where.nodeId = (await findNode(this.db, ident, nodeScope(ctx))).id;
    if (q.marker && !(await this.db.volumeTarget.findUnique({ where: { uuid: q.marker } })))
      throw new NotFoundError(`Volume target ${q.marker} could not be found.`);
    const rows = await this.db.volumeTarget.findMany({ where, include: { node: true }, ...pageArgs(q) });
    return pageOf(rows, q, (t) => pick(targetView(t, base), q.show));
  }

  private async writeTarget<T>(v: TargetValues, uuid: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const f = uniqueViolation(e);
      if (f?.some((x) => x === 'uuid' || x.endsWith('uuid_key')))
        throw new ConflictError(`A volume target with UUID ${uuid} already exists.`);
      if (f !== undefined)
        throw new ConflictError(
          `A volume target with boot index '${v.bootIndex}' for the same node already exists. Each of a node's targets needs its own boot_index.`,
        );
      throw e;
    }
  }

  async createTarget(v: TargetValues & { uuid?: string }, ctx: RequestContext) {
    const node = await this.nodeOf(v.nodeUuid, ctx);
    const uuid = v.uuid ?? crypto.randomUUID();
    return this.writeTarget(v, uuid, () =>
      this.db.volumeTarget.create({
        data: {
          uuid,
          nodeId: node.id,
          volumeType: v.volumeType,
          properties: JSON.stringify(v.properties),
          bootIndex: v.bootIndex,
          volumeId: v.volumeId,
          extra: JSON.stringify(v.extra),
        },
        include: { node: true },
      }),
    );
  }

  async patchTarget(t: WithNode<VolumeTarget>, ops: PatchOp[], ctx: RequestContext) {
    this.checkOff(t.node, 'volume target update');
    const before = {
      node_uuid: t.node.uuid,
      volume_type: t.volumeType,
      properties: JSON.parse(t.properties) as unknown,
      boot_index: t.bootIndex,
      volume_id: t.volumeId,
      extra: JSON.parse(t.extra) as unknown,
    };
    const v = checkTarget(applyPatch(before, ops, TARGET_PATCH_KEYS));
    const node = v.nodeUuid === t.node.uuid ? t.node : await this.nodeOf(v.nodeUuid, ctx);
    if (node.id !== t.node.id) this.checkOff(node, 'volume target update');
    return this.writeTarget(v, t.uuid, () =>
      this.db.volumeTarget.update({
        where: { id: t.id },
        data: {
          nodeId: node.id,
          volumeType: v.volumeType,
          properties: JSON.stringify(v.properties),
          bootIndex: v.bootIndex,
          volumeId: v.volumeId,
          extra: JSON.stringify(v.extra),
          updatedAt: new Date(),
        },
        include: { node: true },
      }),
    );
  }

  async deleteTarget(t: WithNode<VolumeTarget>): Promise<void> {
    this.checkOff(t.node, 'volume target deletion');
    await this.db.volumeTarget.deleteMany({ where: { id: t.id } });
  }
}
