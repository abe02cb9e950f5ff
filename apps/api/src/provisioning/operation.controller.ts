// GET /v1/nodes/{ident}/operation (Ironflow extension): the node's current or last
// operation with its steps, bytes written, rate, ETA, and `stalled` when heartbeats stop.
import { Controller, Get, Param, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ctxOf } from '../common/request-context';
import { NodesService } from '../nodes/nodes.service';
import { OperationService } from './operation.service';

@ApiTags('provisioning')
@Controller('v1/nodes/:ident/operation')
export class OperationController {
  constructor(
    private readonly nodes: NodesService,
    private readonly operations: OperationService,
  ) {}

  @Get()
  @ApiOperation({ summary: "The node's current (or last) operation: steps with times, bytes written and total, rate, ETA, stalled" })
  async show(@Param('ident') ident: string, @Req() req: Request) {
    return this.operations.show(await this.nodes.get(ident, ctxOf(req)), ident);
  }
}
