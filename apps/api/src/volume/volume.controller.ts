// /v1/volume, /v1/volume/connectors, /v1/volume/targets and /v1/nodes/{ident}/volume/...
// (API >= 1.32): reads requests, asks VolumeService, writes Ironic's shapes.
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { baseUrl, links } from '../common/links';
import { parseSimpleList, pick, type SimpleListQuery } from '../common/list-query';
import { requireVersion } from '../common/microversion';
import { parsePatch } from '../common/json-patch';
import { ctxOf } from '../common/request-context';
import { ApiSettings } from '../infra/settings';
import { parseFields } from '../nodes/node-list-query';
import { collection } from '../nodes/nodes.controller';
import { NodesService } from '../nodes/nodes.service';
import {
  CONNECTOR_FIELDS,
  CONNECTOR_LIST_FIELDS,
  parseConnectorCreate,
  parseTargetCreate,
  TARGET_FIELDS,
  TARGET_LIST_FIELDS,
  VOLUME_VERSION,
} from './volume-request';
import { connectorView, targetView, VolumeService } from './volume.service';

const CONNECTOR_SORT = { uuid: 'uuid', type: 'type', connector_id: 'connectorId', created_at: 'createdAt', updated_at: 'updatedAt' };
const TARGET_SORT = {
  uuid: 'uuid',
  volume_type: 'volumeType',
  boot_index: 'bootIndex',
  volume_id: 'volumeId',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
};

function need(req: Request): void {
  requireVersion(req, VOLUME_VERSION, 'Volume connectors and targets');
}

function resourceLinks(base: string, prefix: string) {
  return {
    connectors: links(base, `${prefix}/connectors`),
    links: links(base, prefix),
    targets: links(base, `${prefix}/targets`),
  };
}

@ApiTags('volume')
@Controller('v1/volume')
export class VolumeController {
  constructor(
    private readonly volume: VolumeService,
    private readonly settings: ApiSettings,
  ) {}

  private connectorQuery(query: Record<string, unknown>, filters: string[]): SimpleListQuery {
    return parseSimpleList(query, {
      filters,
      fields: CONNECTOR_FIELDS,
      listFields: CONNECTOR_LIST_FIELDS,
      sortable: CONNECTOR_SORT,
      maxLimit: this.settings.maxLimit,
    });
  }

  private targetQuery(query: Record<string, unknown>, filters: string[]): SimpleListQuery {
    return parseSimpleList(query, {
      filters,
      fields: TARGET_FIELDS,
      listFields: TARGET_LIST_FIELDS,
      sortable: TARGET_SORT,
      maxLimit: this.settings.maxLimit,
    });
  }

  @Get()
  @ApiOperation({ summary: 'Links to the volume connectors and targets' })
  root(@Req() req: Request) {
    need(req);
    return resourceLinks(baseUrl(req), 'volume');
  }

  @Post('connectors')
  @ApiOperation({ summary: 'Create a volume connector (type: iqn, ip, mac, wwnn, wwpn, port, portgroup; unique with connector_id)' })
  @ApiBody({
    schema: { type: 'object', example: { node_uuid: '<node uuid>', type: 'iqn', connector_id: 'iqn.2017-05.org.openstack:node-0' } },
  })
  async createConnector(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    need(req);
    const c = await this.volume.createConnector(parseConnectorCreate(body), ctxOf(req));
    res.status(201).setHeader('Location', `${baseUrl(req)}/v1/volume/connectors/${c.uuid}`);
    return connectorView(c, baseUrl(req));
  }

  @Get('connectors')
  @ApiOperation({
    summary: 'List volume connectors',
    description: 'Filter: node. Paging: limit, marker, sort_key, sort_dir; fields; detail.',
  })
  async listConnectors(@Query() query: Record<string, unknown>, @Req() req: Request) {
    need(req);
    const page = await this.volume.listConnectors(this.connectorQuery(query, ['node']), baseUrl(req), ctxOf(req));
    return collection('connectors', page, baseUrl(req), '/v1/volume/connectors');
  }

  @Get('connectors/:uuid')
  @ApiOperation({ summary: 'Show a volume connector' })
  async showConnector(@Param('uuid') uuid: string, @Query('fields') fields: string | undefined, @Req() req: Request) {
    need(req);
    const wanted = parseFields(fields, CONNECTOR_FIELDS);
    const view = connectorView(await this.volume.connector(uuid, ctxOf(req)), baseUrl(req));
    return wanted ? pick(view, wanted) : view;
  }

  @Patch('connectors/:uuid')
  @ApiOperation({ summary: 'Update a volume connector (its node powered off)' })
  async patchConnector(@Param('uuid') uuid: string, @Body() body: unknown, @Req() req: Request) {
    need(req);
    const ctx = ctxOf(req);
    const c = await this.volume.connector(uuid, ctx);
    return connectorView(await this.volume.patchConnector(c, parsePatch(body), ctx), baseUrl(req));
  }

  @Delete('connectors/:uuid')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a volume connector (its node powered off)' })
  async deleteConnector(@Param('uuid') uuid: string, @Req() req: Request): Promise<void> {
    need(req);
    await this.volume.deleteConnector(await this.volume.connector(uuid, ctxOf(req)));
  }

  @Post('targets')
  @ApiOperation({ summary: 'Create a volume target (volume_type, boot_index unique per node, volume_id)' })
  @ApiBody({ schema: { type: 'object', example: { node_uuid: '<node uuid>', volume_type: 'iscsi', boot_index: 0, volume_id: 'vol-0' } } })
  async createTarget(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    need(req);
    const t = await this.volume.createTarget(parseTargetCreate(body), ctxOf(req));
    res.status(201).setHeader('Location', `${baseUrl(req)}/v1/volume/targets/${t.uuid}`);
    return targetView(t, baseUrl(req));
  }

  @Get('targets')
  @ApiOperation({ summary: 'List volume targets', description: 'Filter: node. Paging: limit, marker, sort_key, sort_dir; fields; detail.' })
  async listTargets(@Query() query: Record<string, unknown>, @Req() req: Request) {
    need(req);
    const page = await this.volume.listTargets(this.targetQuery(query, ['node']), baseUrl(req), ctxOf(req));
    return collection('targets', page, baseUrl(req), '/v1/volume/targets');
  }

  @Get('targets/:uuid')
  @ApiOperation({ summary: 'Show a volume target' })
  async showTarget(@Param('uuid') uuid: string, @Query('fields') fields: string | undefined, @Req() req: Request) {
    need(req);
    const wanted = parseFields(fields, TARGET_FIELDS);
    const view = targetView(await this.volume.target(uuid, ctxOf(req)), baseUrl(req));
    return wanted ? pick(view, wanted) : view;
  }

  @Patch('targets/:uuid')
  @ApiOperation({ summary: 'Update a volume target (its node powered off)' })
  async patchTarget(@Param('uuid') uuid: string, @Body() body: unknown, @Req() req: Request) {
    need(req);
    const ctx = ctxOf(req);
    const t = await this.volume.target(uuid, ctx);
    return targetView(await this.volume.patchTarget(t, parsePatch(body), ctx), baseUrl(req));
  }

  @Delete('targets/:uuid')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a volume target (its node powered off)' })
  async deleteTarget(@Param('uuid') uuid: string, @Req() req: Request): Promise<void> {
    need(req);
    await this.volume.deleteTarget(await this.volume.target(uuid, ctxOf(req)));
  }
}

@ApiTags('volume')
@Controller('v1/nodes/:ident/volume')
export class NodeVolumeController {
  constructor(
    private readonly volume: VolumeService,
    private readonly nodes: NodesService,
    private readonly settings: ApiSettings,
  ) {}

  @Get()
  @ApiOperation({ summary: "Links to the node's volume connectors and targets" })
  async root(@Param('ident') ident: string, @Req() req: Request) {
    need(req);
    const node = await this.nodes.get(ident, ctxOf(req));
    return resourceLinks(baseUrl(req), `nodes/${node.uuid}/volume`);
  }

  @Get('connectors')
  @ApiOperation({ summary: "The node's volume connectors" })
  async connectors(@Param('ident') ident: string, @Query() query: Record<string, unknown>, @Req() req: Request) {
    need(req);
    const q = parseSimpleList(query, {
      filters: [],
      fields: CONNECTOR_FIELDS,
      listFields: CONNECTOR_LIST_FIELDS,
      sortable: CONNECTOR_SORT,
      maxLimit: this.settings.maxLimit,
    });
    const page = await this.volume.listConnectors(q, baseUrl(req), ctxOf(req), ident);
    return collection('connectors', page, baseUrl(req), `/v1/nodes/${ident}/volume/connectors`);
  }

  @Get('targets')
  @ApiOperation({ summary: "The node's volume targets" })
  async targets(@Param('ident') ident: string, @Query() query: Record<string, unknown>, @Req() req: Request) {
    need(req);
    const q = parseSimpleList(query, {
      filters: [],
      fields: TARGET_FIELDS,
      listFields: TARGET_LIST_FIELDS,
      sortable: TARGET_SORT,
      maxLimit: this.settings.maxLimit,
    });
    const page = await this.volume.listTargets(q, baseUrl(req), ctxOf(req), ident);
    return collection('targets', page, baseUrl(req), `/v1/nodes/${ident}/volume/targets`);
  }
}
