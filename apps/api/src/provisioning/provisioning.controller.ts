// /v1/nodes/{ident}/states, /maintenance and /validate.
import { Body, Controller, Delete, Get, HttpCode, Param, Put, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { baseUrl } from '../common/links';
import { ctxOf } from '../common/request-context';
import { isoTime, parseJson } from '../nodes/node-view';
import { hideNewerFields } from '../nodes/node-versions';
import { requireVersion, apiMinorOf } from '../common/microversion';
import { parseTargetRaidConfig } from './raid-request';
import { NodesService } from '../nodes/nodes.service';
import { parseProvisionRequest } from './provision-request';
import { ProvisioningService } from './provisioning.service';

@ApiTags('provisioning')
@Controller('v1/nodes/:ident')
export class ProvisioningController {
  constructor(
    private readonly provisioning: ProvisioningService,
    private readonly nodes: NodesService,
  ) {}

  @Get('states')
  @ApiOperation({ summary: 'Power and provision state of a node' })
  async states(@Param('ident') ident: string, @Req() req: Request) {
    const n = await this.nodes.get(ident, ctxOf(req));
    return hideNewerFields(
      {
        console_enabled: false,
        last_error: n.lastError,
        power_state: n.powerState,
        provision_state: n.provisionState,
        target_power_state: n.targetPowerState,
        target_provision_state: n.targetProvisionState,
        provision_updated_at: isoTime(n.provisionUpdatedAt),
        raid_config: {},
        target_raid_config: parseJson(n.targetRaidConfig),
        boot_mode: n.bootMode,
        secure_boot: null,
      },
      apiMinorOf(req),
    );
  }

  @Put('states/provision')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Change the provision state',
    description:
      'target: manage, provide, active/deploy (+deploy_steps, API >= 1.69), deleted/undeploy, rebuild (+deploy_steps), clean (+clean_steps), abort.',
  })
  @ApiBody({ schema: { type: 'object', required: ['target'], example: { target: 'manage' } } })
  async provision(
    @Param('ident') ident: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    await this.provisioning.provision(ident, parseProvisionRequest(body), ctxOf(req), req.apiMinor ?? 1);
    res.setHeader('Location', `${baseUrl(req)}/v1/nodes/${ident}/states`);
  }

  @Put('states/raid')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Set the target RAID configuration (API >= 1.12)',
    description: 'Stored as target_raid_config for raid interfaces that can apply one (agent, fake); {} clears it. no-raid answers 400.',
  })
  @ApiBody({ schema: { type: 'object', example: { logical_disks: [{ size_gb: 100, raid_level: '1', is_root_volume: true }] } } })
  async setRaid(@Param('ident') ident: string, @Body() body: unknown, @Req() req: Request): Promise<void> {
    requireVersion(req, 12, 'Setting the target RAID configuration');
    await this.provisioning.setTargetRaidConfig(ident, parseTargetRaidConfig(body), ctxOf(req));
  }

  @Put('maintenance')
  @HttpCode(202)
  @ApiOperation({ summary: 'Put a node in maintenance, with an optional reason' })
  async setMaintenance(@Param('ident') ident: string, @Body() body: unknown, @Req() req: Request): Promise<void> {
    await this.provisioning.setMaintenance(ident, true, body, ctxOf(req));
  }

  @Delete('maintenance')
  @HttpCode(202)
  @ApiOperation({ summary: 'Take a node out of maintenance' })
  async unsetMaintenance(@Param('ident') ident: string, @Req() req: Request): Promise<void> {
    await this.provisioning.setMaintenance(ident, false, undefined, ctxOf(req));
  }

  @Get('validate')
  @ApiOperation({ summary: 'Validate each driver interface of a node' })
  async validate(@Param('ident') ident: string, @Req() req: Request) {
    return this.provisioning.validate(ident, ctxOf(req));
  }
}
