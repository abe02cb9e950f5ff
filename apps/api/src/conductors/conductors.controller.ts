// /v1/conductors (API >= 1.49): the workers Temporal sees (conductors.service.ts).
import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { BadRequestError, NotFoundError } from '../common/errors';
import { readBool } from '../common/input';
import { baseUrl } from '../common/links';
import { requireVersion } from '../common/microversion';
import { ApiSettings } from '../infra/settings';
import { parseFields, parseLimit, parseSortDir } from '../nodes/node-list-query';
import { collection } from '../nodes/nodes.controller';
import { CONDUCTOR_FIELDS, CONDUCTOR_LIST_FIELDS, conductorView } from './conductor-view';
import { ConductorsService, type Conductor } from './conductors.service';

const SORT_KEYS = ['hostname', 'conductor_group', 'alive', 'created_at', 'updated_at'];
const QUERY_KEYS = ['limit', 'marker', 'sort_key', 'sort_dir', 'fields', 'detail'];

function single(query: Record<string, unknown>, key: string): string | undefined {
  const v = query[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BadRequestError(`Give ${key} once, as a single value.`);
  return v;
}

function sortValue(c: Conductor, key: string): string {
  if (key === 'created_at') return c.createdAt.toISOString();
  if (key === 'updated_at') return c.updatedAt.toISOString();
  if (key === 'alive') return c.alive ? '1' : '0';
  if (key === 'conductor_group') return c.conductorGroup;
  return c.hostname;
}

@ApiTags('conductors')
@Controller('v1/conductors')
export class ConductorsController {
  constructor(
    private readonly conductors: ConductorsService,
    private readonly settings: ApiSettings,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List conductors: the workers polling the task queues (API >= 1.49)',
    description: 'Paging: limit, marker (a hostname), sort_key, sort_dir; fields; detail.',
  })
  async list(@Query() query: Record<string, unknown>, @Req() req: Request) {
    requireVersion(req, 49, 'Conductors');
    const unknown = Object.keys(query).filter((k) => !QUERY_KEYS.includes(k));
    if (unknown.length) throw new BadRequestError(`Unknown argument(s) ${unknown.join(', ')}. Conductors take: ${QUERY_KEYS.join(', ')}.`);
    const detailText = single(query, 'detail');
    const detail = detailText === undefined ? false : readBool(detailText, 'detail');
    const wanted = parseFields(single(query, 'fields'), CONDUCTOR_FIELDS);
    if (detail && wanted) throw new BadRequestError('Can not specify ?detail=True and fields in the same request.');
    const limit = parseLimit(single(query, 'limit'), this.settings.maxLimit);
    const sortKey = single(query, 'sort_key') ?? 'hostname';
    if (!SORT_KEYS.includes(sortKey))
      throw new BadRequestError(`The sort_key value "${sortKey}" is an invalid field for sorting. Sort by: ${SORT_KEYS.join(', ')}.`);
    const sortDir = parseSortDir(single(query, 'sort_dir'));
    const marker = single(query, 'marker');

    const all = [...(await this.conductors.all())];
    all.sort((a, b) => {
      const c = sortValue(a, sortKey).localeCompare(sortValue(b, sortKey)) || a.hostname.localeCompare(b.hostname);
      return sortDir === 'asc' ? c : -c;
    });
    let start = 0;
    if (marker !== undefined) {
      const i = all.findIndex((c) => c.hostname === marker);
      if (i < 0) throw new NotFoundError(`Conductor ${marker} could not be found.`);
      start = i + 1;
    }
    const items = all.slice(start, start + limit);
    const fields = wanted ?? (detail ? [...CONDUCTOR_FIELDS] : CONDUCTOR_LIST_FIELDS);
    const page = {
      items: items.map((c) => conductorView(c, baseUrl(req), fields)),
      next:
        items.length === limit && start + limit < all.length
          ? {
              ...(wanted ? { fields: wanted.join(',') } : {}),
              ...(detail ? { detail: 'True' } : {}),
              limit: String(limit),
              sort_key: sortKey,
              sort_dir: sortDir,
              marker: items[items.length - 1].hostname,
            }
          : undefined,
    };
    return collection('conductors', page, baseUrl(req), '/v1/conductors');
  }

  /** openstacksdk's conductors(details=True) asks for /v1/conductors/detail: the same as ?detail=True. */
  @Get('detail')
  @ApiOperation({ summary: 'List conductors with every field (API >= 1.49)' })
  async detail(@Query() query: Record<string, unknown>, @Req() req: Request) {
    if (query.detail !== undefined) throw new BadRequestError('/v1/conductors/detail takes no ?detail argument.');
    return this.list({ ...query, detail: 'True' }, req);
  }

  @Get(':hostname')
  @ApiOperation({ summary: 'Show a conductor by hostname (API >= 1.49)' })
  async show(@Param('hostname') hostname: string, @Query('fields') fields: string | undefined, @Req() req: Request) {
    requireVersion(req, 49, 'Conductors');
    const wanted = parseFields(fields, CONDUCTOR_FIELDS);
    const c = (await this.conductors.all()).find((x) => x.hostname === hostname);
    if (!c) throw new NotFoundError(`Conductor ${hostname} could not be found.`);
    return conductorView(c, baseUrl(req), wanted);
  }
}
