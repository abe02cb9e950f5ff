// /v1/ports and /v1/nodes/{ident}/ports. Reads bodies and queries into typed requests (port-request.ts), asks PortsService.
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { baseUrl } from '../common/links';
import { ctxOf } from '../common/request-context';
import { parsePatch } from '../common/json-patch';
import { ApiSettings } from '../infra/settings';
import { parseFields } from '../nodes/node-list-query';
import { collection } from '../nodes/nodes.controller';
import { NodesService } from '../nodes/nodes.service';
import { checkPortFieldsAllowed, parsePortCreate, parsePortListFilter, parsePortListPage, rejectNewerPortPatch } from './port-request';
import { apiMinorOf } from '../common/microversion';
import { PORT_FIELDS } from './port-view';
import { PortsService } from './ports.service';
import { PortgroupsService } from '../portgroups/portgroups.service';

@ApiTags('ports')
@Controller()
export class PortsController {
  constructor(
    private readonly ports: PortsService,
    private readonly nodes: NodesService,
    private readonly portgroups: PortgroupsService,
    private readonly settings: ApiSettings,
  ) {}

  @Post('v1/ports')
  @ApiOperation({ summary: 'Create a port (a NIC of a node); the MAC must be unique' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['address', 'node_uuid'],
      example: { address: '52:54:00:12:34:56', node_uuid: '1be26c0b-03f2-4d2e-ae87-c02d7f33c123' },
    },
  })
  async create(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const port = await this.ports.create(parsePortCreate(body, apiMinorOf(req)), ctxOf(req));
    res.status(201).setHeader('Location', `${baseUrl(req)}/v1/ports/${port.uuid}`);
    return this.ports.view(port, baseUrl(req), apiMinorOf(req));
  }

  /** Reads the query in the order the API has always answered: the filter, the node it names, then paging. */
  private async portList(q: Record<string, unknown>, req: Request, detailPath: boolean, path: string, nodeIdent?: string) {
    const ctx = ctxOf(req);
    const filter = parsePortListFilter(q, nodeIdent, apiMinorOf(req));
    const node = filter.node === undefined ? undefined : await this.nodes.get(filter.node, ctx);
    const page = parsePortListPage(q, { maxLimit: this.settings.maxLimit, detailPath });
    checkPortFieldsAllowed(page.fields, apiMinorOf(req));
    const group = filter.portgroupIdent === undefined ? undefined : await this.portgroups.get(filter.portgroupIdent, ctx);
    const items = await this.ports.list(filter, node, page, baseUrl(req), ctx, apiMinorOf(req), group);
    return collection('ports', items, baseUrl(req), path);
  }

  @Get('v1/ports')
  @ApiOperation({ summary: 'List ports (filters: node, address)' })
  async list(@Query() q: Record<string, unknown>, @Req() req: Request) {
    return this.portList(q, req, false, '/v1/ports');
  }

  @Get('v1/ports/detail')
  @ApiOperation({ summary: 'List ports with every field' })
  async detail(@Query() q: Record<string, unknown>, @Req() req: Request) {
    return this.portList(q, req, true, '/v1/ports/detail');
  }

  @Get('v1/nodes/:ident/ports')
  @ApiOperation({ summary: "List a node's ports" })
  async nodePorts(@Param('ident') ident: string, @Query() q: Record<string, unknown>, @Req() req: Request) {
    return this.portList(q, req, false, `/v1/nodes/${ident}/ports`, ident);
  }

  @Get('v1/nodes/:ident/ports/detail')
  @ApiOperation({ summary: "List a node's ports with every field" })
  async nodePortsDetail(@Param('ident') ident: string, @Query() q: Record<string, unknown>, @Req() req: Request) {
    return this.portList(q, req, true, `/v1/nodes/${ident}/ports/detail`, ident);
  }

  @Get('v1/ports/:id')
  @ApiOperation({ summary: 'Show a port by UUID (or by name, from 1.88)' })
  async show(@Param('id') id: string, @Query('fields') fields: string | undefined, @Req() req: Request) {
    const wanted = parseFields(fields, PORT_FIELDS);
    checkPortFieldsAllowed(wanted, apiMinorOf(req));
    return this.ports.view(await this.ports.get(id, ctxOf(req), apiMinorOf(req)), baseUrl(req), apiMinorOf(req), wanted);
  }

  @Patch('v1/ports/:id')
  @ApiOperation({ summary: 'Update a port with a JSON Patch' })
  async patch(@Param('id') id: string, @Body() body: unknown, @Req() req: Request) {
    const ctx = ctxOf(req);
    const port = await this.ports.get(id, ctx, apiMinorOf(req));
    const ops = parsePatch(body);
    rejectNewerPortPatch(ops, apiMinorOf(req));
    return this.ports.view(await this.ports.patch(port, ops, ctx), baseUrl(req), apiMinorOf(req));
  }

  @Delete('v1/ports/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a port' })
  async remove(@Param('id') id: string, @Req() req: Request): Promise<void> {
    await this.ports.delete(id, ctxOf(req), apiMinorOf(req));
  }
}
