// Finds a node by UUID or name, as every /v1/nodes/{ident} route does, within the
// request's scope: a node outside it is "not found", exactly like a missing one.
import type { Database } from '#prisma/database';
import type { Node } from '#prisma/generated/sqlite/client';
import type { NodeScope } from '../common/access';
import { BadRequestError, NodeNotFoundError } from '../common/errors';
import { isUuidLike, normalizeUuid } from '../common/input';

const NAME_RE = /^[A-Za-z0-9\-._~]{1,255}$/;

export async function findNode(db: Database, ident: string, scope: NodeScope): Promise<Node> {
  let node: Node | null;
  if (isUuidLike(ident)) node = await db.node.findFirst({ where: { uuid: normalizeUuid(ident), ...scope } });
  else if (NAME_RE.test(ident)) node = await db.node.findFirst({ where: { name: ident, ...scope } });
  else throw new BadRequestError(`Expected UUID or name for node: ${ident}`);
  if (!node) throw new NodeNotFoundError(ident);
  return node;
}
