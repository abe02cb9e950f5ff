// /v1/shards (1.82): the shards nodes are in, with how many nodes each holds. As
// Ironic, nodes without a shard count under the name "None"; the list is not paged.
import { Controller, Get, Param, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { NotFoundError } from '../common/errors';
import { requireVersion } from '../common/microversion';
import { NodesService } from '../nodes/nodes.service';

@ApiTags('shards')
@Controller('v1/shards')
export class ShardsController {
  constructor(private readonly nodes: NodesService) {}

  @Get()
  @ApiOperation({ summary: 'Shards and their node counts (API >= 1.82)' })
  async list(@Req() req: Request) {
    requireVersion(req, 82, 'Listing shards');
    return { shards: await this.nodes.shards() };
  }

  @Get(':name')
  @ApiOperation({ summary: 'Not served, as in Ironic: list /v1/shards instead' })
  one(@Param('name') name: string, @Req() req: Request): never {
    requireVersion(req, 82, 'Shards');
    throw new NotFoundError(`Shard ${name}: single shards are not served; list GET /v1/shards instead.`);
  }
}
