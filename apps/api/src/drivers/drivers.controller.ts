// /v1/drivers: the hardware types Ironflow supports.
import { All, Controller, Get, Param, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { driverProperties, findHardwareType, HARDWARE_TYPES, INTERFACE_TYPES, type HardwareType } from '#workflows/domain/drivers';
import { BadRequestError, NotFoundError } from '../common/errors';
import { readBool } from '../common/input';
import { baseUrl, links } from '../common/links';
import { apiMinorOf } from '../common/microversion';
import { fieldAllowed } from '../nodes/node-versions';
import { ApiSettings } from '../infra/settings';
import { noPassthruMethod } from '../management/unsupported';

@ApiTags('drivers')
@Controller('v1/drivers')
export class DriversController {
  constructor(private readonly settings: ApiSettings) {}

  /** firmware interface keys appear from 1.86, as the node field; the older interface types have always been shown at every version. */
  private view(hw: HardwareType, base: string, detail: boolean, apiMinor: number): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: hw.name,
      hosts: [this.settings.conductor],
      type: 'dynamic',
      links: links(base, 'drivers', hw.name),
      properties: links(base, 'drivers', `${hw.name}/properties`),
    };
    if (detail) {
      for (const t of INTERFACE_TYPES) {
        if (!fieldAllowed(`${t}_interface`, Math.max(apiMinor, 40))) continue;
        out[`default_${t}_interface`] = hw.defaults[t];
        out[`enabled_${t}_interfaces`] = [...hw.enabled[t]];
      }
    }
    return out;
  }

  @Get()
  @ApiOperation({ summary: 'List hardware types' })
  list(@Query('type') type: string | undefined, @Query('detail') detail: string | undefined, @Req() req: Request) {
    if (type !== undefined && type !== 'dynamic' && type !== 'classic')
      throw new BadRequestError(`Invalid driver type "${type}": use dynamic or classic.`);
    const d = detail === undefined ? false : readBool(detail, 'detail');
    return { drivers: type === 'classic' ? [] : HARDWARE_TYPES.map((h) => this.view(h, baseUrl(req), d, apiMinorOf(req))) };
  }

  private find(name: string): HardwareType {
    const hw = findHardwareType(name);
    if (!hw) throw new NotFoundError(`Could not find the following driver(s) or hardware type(s): ${name}.`);
    return hw;
  }

  @Get(':name')
  @ApiOperation({ summary: 'Show a hardware type with its interfaces' })
  show(@Param('name') name: string, @Req() req: Request) {
    return this.view(this.find(name), baseUrl(req), true, apiMinorOf(req));
  }

  @Get(':name/properties')
  @ApiOperation({ summary: 'The driver_info keys a hardware type reads (those of its default interfaces)' })
  properties(@Param('name') name: string) {
    return driverProperties(this.find(name));
  }

  @Get(':name/vendor_passthru/methods')
  @ApiOperation({ summary: "A hardware type's driver vendor passthru methods: none" })
  passthruMethods(@Param('name') name: string) {
    this.find(name);
    return {};
  }

  @All(':name/vendor_passthru')
  @ApiOperation({ summary: 'Call a driver vendor passthru method: 400, there are none' })
  passthru(@Param('name') name: string, @Query('method') method: unknown) {
    this.find(name);
    throw noPassthruMethod(method);
  }

  @All(':name/vendor_passthru/:method')
  @ApiOperation({ summary: 'Call a driver vendor passthru method named in the path: 400, there are none' })
  passthruPath(@Param('name') name: string, @Param('method') method: string) {
    this.find(name);
    throw noPassthruMethod(method);
  }
}
