// POST /v1/deployments/{id}/callback: where the deploy ramdisk reports (see ramdisk/PROTOCOL.md).
import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { parseCallback } from './callback-request';
import { CallbackService } from './callback.service';

@ApiTags('deploy ramdisk')
@Controller('v1/deployments')
export class CallbackController {
  constructor(private readonly callbacks: CallbackService) {}

  @Post(':id/callback')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deploy ramdisk callback (authenticated by X-Ironflow-Secret, not by API tokens)' })
  callback(@Param('id') id: string, @Headers('x-ironflow-secret') secret: string | undefined, @Body() body: unknown) {
    return this.callbacks.handle(id, secret, parseCallback(body));
  }
}
