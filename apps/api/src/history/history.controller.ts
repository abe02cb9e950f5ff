// /v1/nodes/{ident}/history: the node's audit trail (API ≥ 1.78).
import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { HistoryEvent } from '#prisma/generated/sqlite/client';
import { requireOwner } from '../common/access';
import { readUuid } from '../common/input';
import { baseUrl } from '../common/links';
import { requireVersion } from '../common/microversion';
import { ctxOf } from '../common/request-context';
import { ApiSettings } from '../infra/settings';
import { isoTime } from '../nodes/node-view';
import { NodesService } from '../nodes/nodes.service';
import { parseHistoryDetail, parseHistoryPage } from './history-request';
import { HistoryService } from './history.service';

@ApiTags('history')
@Controller('v1/nodes/:ident/history')
export class HistoryController {
  constructor(
    private readonly nodes: NodesService,
    private readonly events: HistoryService,
    private readonly settings: ApiSettings,
  ) {}

  private view(e: HistoryEvent, base: string, detail: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = { uuid: e.uuid, created_at: isoTime(e.createdAt), severity: e.severity, event: e.event };
    if (detail) {
      Object.assign(out, {
        event_type: e.eventType,
        conductor: this.settings.conductor,
        user: e.actor,
        request_id: e.requestId,
        from_state: e.fromState,
        to_state: e.toState,
      });
    }
    out.links = [{ href: `${base}/v1/nodes/${e.nodeUuid}/history/${e.uuid}`, rel: 'self' }];
    return out;
  }

  private async list(ident: string, q: Record<string, unknown>, req: Request, detail: boolean) {
    requireVersion(req, 78, 'Node history');
    const node = await this.nodes.get(ident, ctxOf(req));
    requireOwner(ctxOf(req), node, 'read its history'); // Ironic: baremetal:node:history:get is the owner's
    const page = parseHistoryPage(q, this.settings.maxLimit);
    const rows = await this.events.page(node, page);
    const body: Record<string, unknown> = { history: rows.map((r) => this.view(r, baseUrl(req), detail)) };
    if (rows.length === page.limit && rows.length > 0) {
      body.next = `${baseUrl(req)}/v1/nodes/${node.uuid}/history?${new URLSearchParams({ ...(detail ? { detail: 'True' } : {}), limit: String(page.limit), marker: rows[rows.length - 1].uuid })}`;
    }
    return body;
  }

  @Get()
  @ApiOperation({ summary: "A node's history events, oldest first (?detail=True for actor, request id and states)" })
  history(@Param('ident') ident: string, @Query() q: Record<string, unknown>, @Req() req: Request) {
    return this.list(ident, q, req, parseHistoryDetail(q));
  }

  @Get('detail')
  @ApiOperation({ summary: "A node's history events with every field" })
  detail(@Param('ident') ident: string, @Query() q: Record<string, unknown>, @Req() req: Request) {
    return this.list(ident, q, req, true);
  }

  @Get(':event')
  @ApiOperation({ summary: 'One history event' })
  async event(@Param('ident') ident: string, @Param('event') event: string, @Req() req: Request) {
    requireVersion(req, 78, 'Node history');
    const node = await this.nodes.get(ident, ctxOf(req));
    requireOwner(ctxOf(req), node, 'read its history');
    return this.view(await this.events.event(node, readUuid(event, 'event'), event), baseUrl(req), true);
  }
}
