// /v1/portgroups (API >= 1.23), /v1/portgroups/{id}/ports and /v1/nodes/{ident}/portgroups:
// reads requests (portgroup-request.ts), asks PortgroupsService, writes Ironic's shapes.
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { baseUrl } from '../common/links';
import { apiMinorOf, requireVersion } from '../common/microversion';
import { parsePatch } from '../common/json-patch';
import { ctxOf } from '../common/request-context';
import { ApiSettings } from '../infra/settings';
import { parseFields } from '../nodes/node-list-query';
import { collection } from '../nodes/nodes.controller';
import { NodesService } from '../nodes/nodes.service';
import { checkPortFieldsAllowed, parsePortListFilter, parsePortListPage } from '../ports/port-request';
import { PortsService } from '../ports/ports.service';
import { checkPortgroupFieldsAllowed, parsePortgroupCreate, parsePortgroupList, rejectNewerPortgroupPatch } from './portgroup-request';
import { PORTGROUP_FIELDS, PORTGROUP_VERSIONS } from './portgroup-view';
import { PortgroupsService } from './portgroups.service';

const need = (req: Request) => requireVersion(req, PORTGROUP_VERSIONS.portgroups, 'Port groups');

@ApiTags('portgroups')
@Controller()
export class PortgroupsController {
  constructor(
    private readonly portgroups: PortgroupsService,
    private readonly ports: PortsService,
    private readonly nodes: NodesService,
    private readonly settings: ApiSettings,
  ) {}

  @Post('v1/portgroups')
  @ApiOperation({ summary: 'Create a port group (a bond of one node’s ports); its MAC, if given, must be unique' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['node_uuid'],
      example: { node_uuid: '1be26c0b-03f2-4d2e-ae87-c02d7f33c123', name: 'bond0', address: '52:54:00:12:34:56', mode: '802.3ad' },
    },
  })
  async create(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    need(req);
    const pg = await this.portgroups.create(parsePortgroupCreate(body, apiMinorOf(req)), ctxOf(req));
    res.status(201).setHeader('Location', `${baseUrl(req)}/v1/portgroups/${pg.uuid}`);
    return this.portgroups.view(pg, baseUrl(req), apiMinorOf(req));
  }

  private async groupList(q: Record<string, unknown>, req: Request, detailPath: boolean, path: string, nodeIdent?: string) {
    need(req);
    const ctx = ctxOf(req);
    const query = parsePortgroupList(q, { maxLimit: this.settings.maxLimit, detailPath, apiMinor: apiMinorOf(req), nodeIdent });
    const node = query.node === undefined ? undefined : await this.nodes.get(query.node, ctx);
    return collection('portgroups', await this.portgroups.list(query, node, baseUrl(req), ctx, apiMinorOf(req)), baseUrl(req), path);
  }

  @Get('v1/portgroups')
  @ApiOperation({ summary: 'List port groups (filters: node, address)' })
  async list(@Query() q: Record<string, unknown>, @Req() req: Request) {
    return this.groupList(q, req, false, '/v1/portgroups');
  }

  @Get('v1/portgroups/detail')
  @ApiOperation({ summary: 'List port groups with every field' })
  async detail(@Query() q: Record<string, unknown>, @Req() req: Request) {
    return this.groupList(q, req, true, '/v1/portgroups/detail');
  }

  @Get('v1/nodes/:ident/portgroups')
  @ApiOperation({ summary: "List a node's port groups" })
  async nodeGroups(@Param('ident') ident: string, @Query() q: Record<string, unknown>, @Req() req: Request) {
    return this.groupList(q, req, false, `/v1/nodes/${ident}/portgroups`, ident);
  }

  @Get('v1/nodes/:ident/portgroups/detail')
  @ApiOperation({ summary: "List a node's port groups with every field" })
  async nodeGroupsDetail(@Param('ident') ident: string, @Query() q: Record<string, unknown>, @Req() req: Request) {
    return this.groupList(q, req, true, `/v1/nodes/${ident}/portgroups/detail`, ident);
  }

  private async memberList(id: string, q: Record<string, unknown>, req: Request, detailPath: boolean, path: string) {
    requireVersion(req, PORTGROUP_VERSIONS.portUuidField, 'The ports of a port group');
    const ctx = ctxOf(req);
    const group = await this.portgroups.get(id, ctx);
    const filter = { ...parsePortListFilter(q, undefined, apiMinorOf(req)), portgroup: true, portgroupIdent: undefined };
    const page = parsePortListPage(q, { maxLimit: this.settings.maxLimit, detailPath });
    checkPortFieldsAllowed(page.fields, apiMinorOf(req));
    const node = filter.node === undefined ? undefined : await this.nodes.get(filter.node, ctx);
    return collection('ports', await this.ports.list(filter, node, page, baseUrl(req), ctx, apiMinorOf(req), group), baseUrl(req), path);
  }

  @Get('v1/portgroups/:id/ports')
  @ApiOperation({ summary: 'List the ports in a port group' })
  async members(@Param('id') id: string, @Query() q: Record<string, unknown>, @Req() req: Request) {
    return this.memberList(id, q, req, false, `/v1/portgroups/${id}/ports`);
  }

  @Get('v1/portgroups/:id/ports/detail')
  @ApiOperation({ summary: 'List the ports in a port group with every field' })
  async membersDetail(@Param('id') id: string, @Query() q: Record<string, unknown>, @Req() req: Request) {
    return this.memberList(id, q, req, true, `/v1/portgroups/${id}/ports/detail`);
  }

  @Get('v1/portgroups/:id')
  @ApiOperation({ summary: 'Show a port group by UUID or name' })
  async show(@Param('id') id: string, @Query('fields') fields: string | undefined, @Req() req: Request) {
    need(req);
    const wanted = parseFields(fields, PORTGROUP_FIELDS);
    checkPortgroupFieldsAllowed(wanted, apiMinorOf(req));
    return this.portgroups.view(await this.portgroups.get(id, ctxOf(req)), baseUrl(req), apiMinorOf(req), wanted);
  }

  @Patch('v1/portgroups/:id')
  @ApiOperation({ summary: 'Update a port group with a JSON Patch' })
  async patch(@Param('id') id: string, @Body() body: unknown, @Req() req: Request) {
    need(req);
    const ctx = ctxOf(req);
    const pg = await this.portgroups.get(id, ctx);
    const ops = parsePatch(body);
    rejectNewerPortgroupPatch(ops, apiMinorOf(req));
    return this.portgroups.view(await this.portgroups.patch(pg, ops, ctx), baseUrl(req), apiMinorOf(req));
  }

  @Delete('v1/portgroups/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a port group (refused while it has ports)' })
  async remove(@Param('id') id: string, @Req() req: Request): Promise<void> {
    need(req);
    const ctx = ctxOf(req);
    await this.portgroups.delete(await this.portgroups.get(id, ctx), ctx);
  }
}
