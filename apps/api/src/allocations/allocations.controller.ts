// /v1/allocations (API >= 1.52) and /v1/nodes/{ident}/allocation: reads requests,
// asks AllocationsService, writes Ironic's shapes.
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { MethodNotAllowedError } from '../common/errors';
import { baseUrl } from '../common/links';
import { apiMinorOf, formatVersion, requireVersion } from '../common/microversion';
import { parsePatch } from '../common/json-patch';
import { ctxOf } from '../common/request-context';
import { parseFields } from '../nodes/node-list-query';
import { collection } from '../nodes/nodes.controller';
import { ApiSettings } from '../infra/settings';
import { ALLOCATION_VERSIONS, parseAllocationCreate, parseAllocationList } from './allocation-request';
import { ALLOCATION_FIELDS } from './allocation-view';
import { AllocationsService } from './allocations.service';

function fieldsOf(text: string | undefined, req: Request): string[] | undefined {
  const fields = parseFields(text, ALLOCATION_FIELDS);
  if (fields?.includes('owner')) requireVersion(req, ALLOCATION_VERSIONS.owner, 'Field "owner"');
  return fields;
}

@ApiTags('allocations')
@Controller('v1/allocations')
export class AllocationsController {
  constructor(
    private readonly allocations: AllocationsService,
    private readonly settings: ApiSettings,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Allocate a node (resource_class, traits, candidate_nodes), or backfill a deployed one (node)',
    description:
      'One transaction claims a matching available node by compare-and-set on its allocation_uuid; the answer is final: state active (node_uuid set) or error (last_error says why).',
  })
  @ApiBody({ schema: { type: 'object', example: { resource_class: 'baremetal', traits: ['CUSTOM_GPU'], name: 'job-1' } } })
  async create(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    requireVersion(req, ALLOCATION_VERSIONS.allocations, 'Allocations');
    const a = await this.allocations.create(parseAllocationCreate(body, apiMinorOf(req)), ctxOf(req));
    res.status(201).setHeader('Location', `${baseUrl(req)}/v1/allocations/${a.uuid}`);
    return this.allocations.view(a, baseUrl(req), apiMinorOf(req));
  }

  @Get()
  @ApiOperation({
    summary: 'List allocations',
    description: 'Filters: node, resource_class, state, owner (1.60). Paging: limit, marker, sort_key, sort_dir; fields.',
  })
  async list(@Query() query: Record<string, unknown>, @Req() req: Request) {
    requireVersion(req, ALLOCATION_VERSIONS.allocations, 'Allocations');
    const q = parseAllocationList(query, { maxLimit: this.settings.maxLimit, apiMinor: apiMinorOf(req) });
    const page = await this.allocations.list(q, baseUrl(req), apiMinorOf(req), ctxOf(req));
    return collection('allocations', page, baseUrl(req), '/v1/allocations');
  }

  @Get(':ident')
  @ApiOperation({ summary: 'Show an allocation by UUID or name' })
  async show(@Param('ident') ident: string, @Query('fields') fields: string | undefined, @Req() req: Request) {
    requireVersion(req, ALLOCATION_VERSIONS.allocations, 'Allocations');
    const wanted = fieldsOf(fields, req);
    return this.allocations.view(await this.allocations.get(ident, ctxOf(req)), baseUrl(req), apiMinorOf(req), wanted);
  }

  @Patch(':ident')
  @ApiOperation({ summary: 'Update name or extra of an allocation (API >= 1.57)' })
  async patch(@Param('ident') ident: string, @Body() body: unknown, @Req() req: Request) {
    if (apiMinorOf(req) < ALLOCATION_VERSIONS.update)
      throw new MethodNotAllowedError(
        `The API version does not allow updating allocations: PATCH needs ${formatVersion(ALLOCATION_VERSIONS.update)} or later (this request: ${formatVersion(apiMinorOf(req))}).`,
      );
    const ctx = ctxOf(req);
    const a = await this.allocations.get(ident, ctx);
    return this.allocations.view(await this.allocations.patch(a, parsePatch(body)), baseUrl(req), apiMinorOf(req));
  }

  @Delete(':ident')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an allocation and release its node (refused while the node is active)' })
  async remove(@Param('ident') ident: string, @Req() req: Request): Promise<void> {
    requireVersion(req, ALLOCATION_VERSIONS.allocations, 'Allocations');
    const ctx = ctxOf(req);
    await this.allocations.delete(await this.allocations.get(ident, ctx), ctx);
  }
}

@ApiTags('allocations')
@Controller('v1/nodes/:ident/allocation')
export class NodeAllocationController {
  constructor(private readonly allocations: AllocationsService) {}

  @Get()
  @ApiOperation({ summary: "The node's allocation (404 when it has none)" })
  async show(@Param('ident') ident: string, @Query('fields') fields: string | undefined, @Req() req: Request) {
    requireVersion(req, ALLOCATION_VERSIONS.allocations, 'Allocations');
    const wanted = fieldsOf(fields, req);
    return this.allocations.view(await this.allocations.ofNode(ident, ctxOf(req)), baseUrl(req), apiMinorOf(req), wanted);
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: "Delete the node's allocation" })
  async remove(@Param('ident') ident: string, @Req() req: Request): Promise<void> {
    requireVersion(req, ALLOCATION_VERSIONS.allocations, 'Allocations');
    const ctx = ctxOf(req);
    await this.allocations.delete(await this.allocations.ofNode(ident, ctx), ctx);
  }
}
