// GET /v1/nodes/{ident}/inventory (API ≥ 1.81): what the node's last inspection found.
import { Controller, Get, Param, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { requireVersion } from '../common/microversion';
import { ctxOf } from '../common/request-context';
import { InventoryService } from './inventory.service';

@ApiTags('nodes')
@Controller('v1/nodes/:ident/inventory')
export class InventoryController {
  constructor(private readonly inventories: InventoryService) {}

  @Get()
  @ApiOperation({ summary: "The node's inventory from its last inspection, with plugin_data (API >= 1.81); 404 if never inspected" })
  async show(@Param('ident') ident: string, @Req() req: Request) {
    requireVersion(req, 81, 'Node inventory');
    return this.inventories.get(ident, ctxOf(req));
  }
}
