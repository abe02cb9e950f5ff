// A node's audit trail: its history events, oldest first, a page at a time.
import { Injectable } from '@nestjs/common';
import type { HistoryEvent, Node } from '#prisma/generated/sqlite/client';
import { NotFoundError } from '../common/errors';
import { Store } from '../infra/store';
import type { HistoryPage } from './history-request';

@Injectable()
export class HistoryService {
  constructor(private readonly store: Store) {}

  async page(node: Node, page: HistoryPage): Promise<HistoryEvent[]> {
    return this.store.db.historyEvent.findMany({
      where: { nodeUuid: node.uuid },
      orderBy: { id: 'asc' },
      take: page.limit,
      ...(page.marker ? { cursor: { uuid: page.marker }, skip: 1 } : {}),
    });
  }

  /** One event of the node; `asGiven` is how the request wrote its id (for the 404 message). */
  async event(node: Node, uuid: string, asGiven: string): Promise<HistoryEvent> {
    const e = await this.store.db.historyEvent.findFirst({ where: { uuid, nodeUuid: node.uuid } });
    if (!e) throw new NotFoundError(`Node history record ${asGiven} could not be found.`);
    return e;
  }
}
