// Version discovery: GET / and GET /v1.
import { Controller, Delete, Get, Patch, Post, Put, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { MethodNotAllowedError } from '../common/errors';
import { baseUrl } from '../common/links';
import { apiMinorOf, formatVersion, MAX_VERSION, MIN_VERSION } from '../common/microversion';

function version(base: string) {
  return {
    id: 'v1',
    links: [{ href: `${base}/v1/`, rel: 'self' }],
    status: 'CURRENT',
    min_version: formatVersion(MIN_VERSION.minor),
    version: formatVersion(MAX_VERSION.minor),
  };
}

const res = (base: string, name: string) => [
  { href: `${base}/v1/${name}/`, rel: 'self' },
  { href: `${base}/${name}/`, rel: 'bookmark' },
];

@ApiTags('versions')
@Controller()
export class RootController {
  @Get()
  @ApiOperation({ summary: 'API versions' })
  root(@Req() req: Request) {
    const base = baseUrl(req);
    return {
      name: 'OpenStack Ironic API',
      description: 'Ironflow: bare-metal provisioning as durable workflows, speaking the Ironic v1 API.',
      default_version: version(base),
      versions: [version(base)],
    };
  }

  @Get('v1')
  @ApiOperation({ summary: 'The v1 API: resources and microversion range' })
  v1(@Req() req: Request) {
    const base = baseUrl(req);
    const minor = apiMinorOf(req);
    return {
      id: 'v1',
      links: [
        { href: `${base}/v1/`, rel: 'self' },
        { href: `${base}/docs`, rel: 'describedby', type: 'text/html' },
      ],
      media_types: { base: 'application/json', type: 'application/vnd.openstack.ironic.v1+json' },
      nodes: res(base, 'nodes'),
      ports: res(base, 'ports'),
      drivers: res(base, 'drivers'),
      chassis: res(base, 'chassis'),
      ...(minor >= 24 ? { portgroups: res(base, 'portgroups') } : {}),
      ...(minor >= 32 ? { volume: res(base, 'volume') } : {}),
      ...(minor >= 49 ? { conductors: res(base, 'conductors') } : {}),
      ...(minor >= 52 ? { allocations: res(base, 'allocations') } : {}),
      ...(minor >= 55 ? { deploy_templates: res(base, 'deploy_templates') } : {}),
      ...(minor >= 82 ? { shards: res(base, 'shards') } : {}),
      version: version(base),
    };
  }

  @Post('v1')
  @Put('v1')
  @Patch('v1')
  @Delete('v1')
  v1Other(): never {
    throw new MethodNotAllowedError('Only GET is allowed on /v1.');
  }
}
