// /v1/chassis and /v1/chassis/{uuid}/nodes: reads requests (chassis-request.ts), asks
// ChassisService (and NodesService for the nodes in one), writes Ironic's shapes.
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { baseUrl } from '../common/links';
import { apiMinorOf } from '../common/microversion';
import { parsePatch } from '../common/json-patch';
import { ctxOf } from '../common/request-context';
import { ApiSettings } from '../infra/settings';
import { parseFields, parseNodeListQuery } from '../nodes/node-list-query';
import { collection } from '../nodes/nodes.controller';
import { NodesService } from '../nodes/nodes.service';
import { parseChassisCreate, parseChassisList } from './chassis-request';
import { CHASSIS_FIELDS, chassisView } from './chassis-view';
import { ChassisService } from './chassis.service';

@ApiTags('chassis')
@Controller('v1/chassis')
export class ChassisController {
  constructor(
    private readonly chassis: ChassisService,
    private readonly nodes: NodesService,
    private readonly settings: ApiSettings,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a chassis (description, extra)' })
  @ApiBody({ schema: { type: 'object', example: { description: 'rack 4, enclosure 2', extra: { site: 'ams1' } } } })
  async create(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const c = await this.chassis.create(parseChassisCreate(body), ctxOf(req));
    res.status(201).setHeader('Location', `${baseUrl(req)}/v1/chassis/${c.uuid}`);
    return chassisView(c, baseUrl(req));
  }

  @Get()
  @ApiOperation({ summary: 'List chassis (uuid, description; fields, paging)' })
  async list(@Query() q: Record<string, unknown>, @Req() req: Request) {
    const query = parseChassisList(q, { maxLimit: this.settings.maxLimit, detailPath: false });
    return collection('chassis', await this.chassis.list(query, baseUrl(req)), baseUrl(req), '/v1/chassis');
  }

  @Get('detail')
  @ApiOperation({ summary: 'List chassis with every field' })
  async detail(@Query() q: Record<string, unknown>, @Req() req: Request) {
    const query = parseChassisList(q, { maxLimit: this.settings.maxLimit, detailPath: true });
    return collection('chassis', await this.chassis.list(query, baseUrl(req)), baseUrl(req), '/v1/chassis/detail');
  }

  private async nodeList(id: string, q: Record<string, unknown>, req: Request, detailPath: boolean, path: string) {
    const c = await this.chassis.get(id);
    const query = parseNodeListQuery(q, { maxLimit: this.settings.maxLimit, detailPath, apiMinor: apiMinorOf(req) });
    query.where = { AND: [query.where, { chassisUuid: c.uuid }] };
    return collection('nodes', await this.nodes.list(query, baseUrl(req), ctxOf(req), apiMinorOf(req)), baseUrl(req), path);
  }

  @Get(':id/nodes')
  @ApiOperation({ summary: 'List the nodes in a chassis (the node list filters apply)' })
  async nodesOf(@Param('id') id: string, @Query() q: Record<string, unknown>, @Req() req: Request) {
    return this.nodeList(id, q, req, false, `/v1/chassis/${id}/nodes`);
  }

  @Get(':id/nodes/detail')
  @ApiOperation({ summary: 'List the nodes in a chassis with every field' })
  async nodesOfDetail(@Param('id') id: string, @Query() q: Record<string, unknown>, @Req() req: Request) {
    return this.nodeList(id, q, req, true, `/v1/chassis/${id}/nodes/detail`);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Show a chassis by UUID' })
  async show(@Param('id') id: string, @Query('fields') fields: string | undefined, @Req() req: Request) {
    return chassisView(await this.chassis.get(id), baseUrl(req), parseFields(fields, CHASSIS_FIELDS));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update a chassis with a JSON Patch (description, extra)' })
  async patch(@Param('id') id: string, @Body() body: unknown, @Req() req: Request) {
    const c = await this.chassis.get(id);
    return chassisView(await this.chassis.patch(c, parsePatch(body), ctxOf(req)), baseUrl(req));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a chassis (refused while it holds nodes)' })
  async remove(@Param('id') id: string, @Req() req: Request): Promise<void> {
    await this.chassis.delete(await this.chassis.get(id), ctxOf(req));
  }
}
