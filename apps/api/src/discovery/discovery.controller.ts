// POST /v1/discovery: where the ramdisk of an unknown server reports (ramdisk/PROTOCOL.md "discover").
// No API token and no secret: discovery-guard.ts limits who, how much and how often.
import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { parseDiscoveryReport } from './discovery-request';
import { DiscoveryService } from './discovery.service';

@ApiTags('deploy ramdisk')
@Controller('v1/discovery')
export class DiscoveryController {
  constructor(private readonly discovery: DiscoveryService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Discovery report of an unknown server (IRONFLOW_DISCOVERY=1; provisioning network only, rate-limited)' })
  report(@Req() req: Request, @Body() body: unknown) {
    const source = (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    return this.discovery.report(parseDiscoveryReport(body), source, req.ctx?.requestId ?? '');
  }
}
