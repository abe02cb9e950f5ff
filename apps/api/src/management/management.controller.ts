// What Ironic serves under a node for the interfaces IPMI has no use for: BIOS settings (none),
// virtual media (a 400: the ipmi and fake-hardware types have none) and vendor passthru (no
// methods). Each answers Ironic's shape instead of a 404 for a route Ironic has.
import { All, Controller, Get, Param, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { requireVersion } from '../common/microversion';
import { ctxOf } from '../common/request-context';
import { NodesService } from '../nodes/nodes.service';
import { BiosSettingNotFound, noPassthruMethod, noVirtualMedia } from './unsupported';

@ApiTags('management')
@Controller('v1/nodes/:ident')
export class ManagementController {
  constructor(private readonly nodes: NodesService) {}

  @Get('bios')
  @ApiOperation({ summary: 'BIOS settings the driver knows (API >= 1.40): none for IPMI' })
  async bios(@Param('ident') ident: string, @Req() req: Request) {
    requireVersion(req, 40, 'BIOS settings');
    await this.nodes.get(ident, ctxOf(req));
    return { bios: [] };
  }

  @Get('bios/:name')
  @ApiOperation({ summary: 'One BIOS setting (API >= 1.40): always 404, IPMI reads none' })
  async biosSetting(@Param('ident') ident: string, @Param('name') name: string, @Req() req: Request) {
    requireVersion(req, 40, 'BIOS settings');
    const node = await this.nodes.get(ident, ctxOf(req));
    throw new BiosSettingNotFound(node.uuid, name);
  }

  @All('vmedia')
  @ApiOperation({ summary: 'Virtual media (API >= 1.89): 400, the ipmi and fake-hardware types have none' })
  async vmedia(@Param('ident') ident: string, @Req() req: Request) {
    requireVersion(req, 89, 'Virtual media');
    const node = await this.nodes.get(ident, ctxOf(req));
    throw noVirtualMedia(node.driver);
  }

  @Get('vendor_passthru/methods')
  @ApiOperation({ summary: "The node's vendor passthru methods: none" })
  async passthruMethods(@Param('ident') ident: string, @Req() req: Request) {
    await this.nodes.get(ident, ctxOf(req));
    return {};
  }

  @All('vendor_passthru')
  @ApiOperation({ summary: 'Call a vendor passthru method (?method=): 400, there are none' })
  async passthru(@Param('ident') ident: string, @Query('method') method: unknown, @Req() req: Request) {
    await this.nodes.get(ident, ctxOf(req));
    throw noPassthruMethod(method);
  }

  @All('vendor_passthru/:method')
  @ApiOperation({ summary: 'Call a vendor passthru method (as the CLI names it, in the path): 400, there are none' })
  async passthruPath(@Param('ident') ident: string, @Param('method') method: string, @Req() req: Request) {
    await this.nodes.get(ident, ctxOf(req));
    throw noPassthruMethod(method);
  }
}
