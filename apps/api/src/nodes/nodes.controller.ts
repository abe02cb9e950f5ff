// /v1/nodes: inventory routes. Reads bodies and queries into typed requests, asks NodesService, writes the Ironic shape.
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { baseUrl } from '../common/links';
import { ctxOf } from '../common/request-context';
import { apiMinorOf, requireVersion } from '../common/microversion';
import { parsePatch } from '../common/json-patch';
import { ApiSettings } from '../infra/settings';
import { parseFields, parseNodeListQuery } from './node-list-query';
import { parseNodeCreate } from './node-request';
import { NODE_FIELDS } from './node-view';
import { checkFieldsAllowed, rejectNewerCreateFields, rejectNewerPatch } from './node-versions';
import { NodesService, type Page } from './nodes.service';

export function collection(key: string, page: Page, base: string, path: string): Record<string, unknown> {
  const body: Record<string, unknown> = { [key]: page.items };
  if (page.next) body.next = `${base}${path}?${new URLSearchParams(page.next).toString()}`;
  return body;
}

@ApiTags('nodes')
@Controller('v1/nodes')
export class NodesController {
  constructor(
    private readonly nodes: NodesService,
    private readonly settings: ApiSettings,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Enroll a node',
    description: 'Only `driver` is required. driver_info secrets are stored sealed and shown as ******.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['driver'],
      example: {
        driver: 'ipmi',
        name: 'node-1',
        driver_info: { ipmi_address: '10.0.0.5', ipmi_username: 'admin', ipmi_password: 'secret' },
        properties: { cpus: 8 },
      },
    },
  })
  async create(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    if (typeof (body as { name?: unknown })?.name === 'string') requireVersion(req, 5, 'Node names');
    const ctx = ctxOf(req);
    this.nodes.assertMayEnroll(ctx); // a member learns 403 before anything about its body
    if (body !== null && typeof body === 'object' && !Array.isArray(body))
      rejectNewerCreateFields(body as Record<string, unknown>, apiMinorOf(req));
    const node = await this.nodes.create(parseNodeCreate(body), ctx);
    res.status(201).setHeader('Location', `${baseUrl(req)}/v1/nodes/${node.uuid}`);
    return this.nodes.view(node, baseUrl(req), apiMinorOf(req), ctxOf(req), undefined, true);
  }

  @Get()
  @ApiOperation({
    summary: 'List nodes',
    description:
      'Filters: provision_state, maintenance, associated, driver, resource_class, owner, lessee, project, conductor_group. Paging: limit, marker, sort_key, sort_dir; fields; detail.',
  })
  async list(@Query() query: Record<string, unknown>, @Req() req: Request) {
    const q = parseNodeListQuery(query, { maxLimit: this.settings.maxLimit, detailPath: false, apiMinor: apiMinorOf(req) });
    return collection('nodes', await this.nodes.list(q, baseUrl(req), ctxOf(req), apiMinorOf(req)), baseUrl(req), '/v1/nodes');
  }

  @Get('detail')
  @ApiOperation({ summary: 'List nodes with every field' })
  async detail(@Query() query: Record<string, unknown>, @Req() req: Request) {
    const q = parseNodeListQuery(query, { maxLimit: this.settings.maxLimit, detailPath: true, apiMinor: apiMinorOf(req) });
    return collection('nodes', await this.nodes.list(q, baseUrl(req), ctxOf(req), apiMinorOf(req)), baseUrl(req), '/v1/nodes/detail');
  }

  @Get(':ident')
  @ApiOperation({ summary: 'Show a node by UUID or name' })
  async show(@Param('ident') ident: string, @Query('fields') fields: string | undefined, @Req() req: Request) {
    const wanted = parseFields(fields, NODE_FIELDS);
    checkFieldsAllowed(wanted, apiMinorOf(req));
    const ctx = ctxOf(req);
    return this.nodes.view(await this.nodes.get(ident, ctx), baseUrl(req), apiMinorOf(req), ctx, wanted);
  }

  @Get(':ident/children')
  @ApiOperation({ summary: "The UUIDs of a node's child nodes (API >= 1.83)" })
  async children(@Param('ident') ident: string, @Req() req: Request) {
    requireVersion(req, 83, 'Child nodes');
    const node = await this.nodes.get(ident, ctxOf(req));
    return {
      children: await this.nodes.children(node, ctxOf(req)),
      links: [{ href: `${baseUrl(req)}/v1/nodes?parent_node=${node.uuid}`, rel: 'children' }],
    };
  }

  @Get(':ident/firmware')
  @ApiOperation({ summary: 'Firmware components the driver knows (API >= 1.86): none for the ipmi and fake-hardware types' })
  async firmware(@Param('ident') ident: string, @Req() req: Request) {
    requireVersion(req, 86, 'Node firmware');
    await this.nodes.get(ident, ctxOf(req));
    return { firmware: [] };
  }

  @Patch(':ident')
  @ApiOperation({ summary: 'Update a node with an RFC 6902 JSON Patch (add, replace, remove)' })
  @ApiBody({ schema: { type: 'array', example: [{ op: 'add', path: '/driver_info/ipmi_port', value: 623 }] } })
  async patch(@Param('ident') ident: string, @Body() body: unknown, @Req() req: Request) {
    const ctx = ctxOf(req);
    const node = await this.nodes.get(ident, ctx);
    const ops = parsePatch(body);
    rejectNewerPatch(ops, apiMinorOf(req));
    return this.nodes.view(await this.nodes.patch(node, ops, ctx, ident), baseUrl(req), apiMinorOf(req), ctx);
  }

  @Delete(':ident')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a node (enroll, manageable, available, or any state in maintenance) and its ports' })
  async remove(@Param('ident') ident: string, @Req() req: Request): Promise<void> {
    await this.nodes.delete(ident, ctxOf(req));
  }
}
