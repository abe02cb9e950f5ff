// /v1/nodes/{ident}/states/power and /management/boot_device. Reads each body's
// shape, finds the node, reads the values (power-request.ts), and asks PowerService.
import { Body, Controller, Get, HttpCode, Param, Put, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { BOOT_DEVICES } from '#workflows/contracts/power';
import { baseUrl } from '../common/links';
import { requireVersion } from '../common/microversion';
import { ctxOf } from '../common/request-context';
import { NodesService } from '../nodes/nodes.service';
import { parseBootDeviceRequest, parsePowerRequest, readBootDeviceBody, readNmiBody, readPowerBody } from './power-request';
import { PowerService } from './power.service';

@ApiTags('power')
@Controller('v1/nodes/:ident')
export class PowerController {
  constructor(
    private readonly power: PowerService,
    private readonly nodes: NodesService,
  ) {}

  @Put('states/power')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Power on, off, reboot (soft or hard)',
    description: 'Runs as a workflow holding the node lock; power_state changes once the BMC reads back the new state.',
  })
  @ApiBody({ schema: { type: 'object', required: ['target'], example: { target: 'power on' } } })
  async setPower(
    @Param('ident') ident: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    const ctx = ctxOf(req);
    const shape = readPowerBody(body);
    const node = await this.nodes.get(ident, ctx);
    await this.power.setPower(node, parsePowerRequest(shape, { ident, powerState: node.powerState }), ctx, req.apiMinor ?? 1);
    res.setHeader('Location', `${baseUrl(req)}/v1/nodes/${ident}/states`);
  }

  @Put('management/boot_device')
  @HttpCode(204)
  @ApiOperation({ summary: 'Set the boot device (pxe, disk, cdrom, bios, safe), once or persistently' })
  @ApiBody({ schema: { type: 'object', required: ['boot_device'], example: { boot_device: 'pxe', persistent: true } } })
  async setBootDevice(@Param('ident') ident: string, @Body() body: unknown, @Req() req: Request): Promise<void> {
    const ctx = ctxOf(req);
    const shape = readBootDeviceBody(body);
    const node = await this.nodes.get(ident, ctx);
    await this.power.setBootDevice(node, parseBootDeviceRequest(shape), ctx);
  }

  @Put('management/inject_nmi')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Inject a non-maskable interrupt (API >= 1.29)',
    description:
      'IPMI Chassis Control "pulse diagnostic interrupt", run as a short workflow holding the node lock and recorded in history.',
  })
  @ApiBody({ schema: { type: 'object', example: {} } })
  async injectNmi(@Param('ident') ident: string, @Body() body: unknown, @Req() req: Request): Promise<void> {
    requireVersion(req, 29, 'Injecting an NMI');
    readNmiBody(body);
    const ctx = ctxOf(req);
    const node = await this.nodes.get(ident, ctx);
    await this.power.injectNmi(node, ctx);
  }

  @Get('management/boot_device')
  @ApiOperation({ summary: 'The boot device the BMC reports' })
  getBootDevice(@Param('ident') ident: string, @Req() req: Request) {
    return this.power.getBootDevice(ident, ctxOf(req));
  }

  @Get('management/boot_device/supported')
  @ApiOperation({ summary: 'Boot devices the driver supports' })
  supported() {
    return { supported_boot_devices: [...BOOT_DEVICES] };
  }
}
