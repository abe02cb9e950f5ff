// /v1/nodes/{ident}/vifs (API >= 1.28): list, attach and detach. A tenant action in Ironic:
// members may attach and detach VIFs on the nodes they see.
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { apiMinorOf, requireVersion } from '../common/microversion';
import { ctxOf } from '../common/request-context';
import { NodesService } from '../nodes/nodes.service';
import { PORTGROUP_VERSIONS } from '../portgroups/portgroup-view';
import { parseVifAttach, readVifId } from './vif-request';
import { VifsService } from './vifs.service';

const need = (req: Request) => requireVersion(req, PORTGROUP_VERSIONS.vifs, 'VIFs');

@ApiTags('vifs')
@Controller('v1/nodes/:ident/vifs')
export class VifsController {
  constructor(
    private readonly vifs: VifsService,
    private readonly nodes: NodesService,
  ) {}

  @Get()
  @ApiOperation({ summary: "The VIFs attached to a node's ports and port groups" })
  async list(@Param('ident') ident: string, @Req() req: Request) {
    need(req);
    return { vifs: await this.vifs.list(await this.nodes.get(ident, ctxOf(req))) };
  }

  @Post()
  @HttpCode(204)
  @ApiOperation({ summary: 'Attach a VIF: recorded on a free port group, else a free PXE port, else a free port' })
  @ApiBody({ schema: { type: 'object', required: ['id'], example: { id: '6f2a1c3e-0b4d-4e5f-8a9b-1c2d3e4f5a6b' } } })
  async attach(@Param('ident') ident: string, @Body() body: unknown, @Req() req: Request): Promise<void> {
    need(req);
    const ctx = ctxOf(req);
    const node = await this.nodes.get(ident, ctx);
    await this.vifs.attach(node, parseVifAttach(body, apiMinorOf(req)), ctx);
  }

  @Delete(':vif')
  @HttpCode(204)
  @ApiOperation({ summary: 'Detach a VIF (400 when it is not attached to this node)' })
  async detach(@Param('ident') ident: string, @Param('vif') vif: string, @Req() req: Request): Promise<void> {
    need(req);
    const ctx = ctxOf(req);
    await this.vifs.detach(await this.nodes.get(ident, ctx), readVifId(vif), ctx);
  }
}
