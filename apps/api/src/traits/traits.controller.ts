// /v1/nodes/{ident}/traits (API >= 1.37): GET lists, PUT {"traits": [...]} replaces,
// PUT /traits/{trait} adds one (no body), DELETE removes one or all. 204 on changes.
import { Body, Controller, Delete, Get, HttpCode, Param, Put, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { BadRequestError } from '../common/errors';
import { baseUrl } from '../common/links';
import { requireVersion } from '../common/microversion';
import { ctxOf } from '../common/request-context';
import { checkTrait, checkTraitList } from './trait-name';
import { TraitsService } from './traits.service';

const ONE_OR_ALL =
  'A single node trait may be added via PUT /v1/nodes/<node identifier>/traits/<trait> with no body, or all node traits may be replaced via PUT /v1/nodes/<node identifier>/traits with the list of traits specified in the request body.';

function hasBody(body: unknown): boolean {
  return !(body === undefined || body === null || body === '' || (typeof body === 'object' && Object.keys(body).length === 0));
}

@ApiTags('traits')
@Controller('v1/nodes/:ident/traits')
export class TraitsController {
  constructor(private readonly traits: TraitsService) {}

  @Get()
  @ApiOperation({ summary: "A node's traits" })
  async list(@Param('ident') ident: string, @Req() req: Request) {
    requireVersion(req, 37, 'Node traits');
    return { traits: await this.traits.list(ident, ctxOf(req)) };
  }

  @Put()
  @HttpCode(204)
  @ApiOperation({ summary: 'Replace all traits of a node (at most 50; CUSTOM_* or standard os-traits names)' })
  @ApiBody({ schema: { type: 'object', required: ['traits'], example: { traits: ['CUSTOM_GPU', 'HW_CPU_X86_AVX2'] } } })
  async replace(@Param('ident') ident: string, @Body() body: unknown, @Req() req: Request): Promise<void> {
    requireVersion(req, 37, 'Node traits');
    const doc = body as { traits?: unknown } | null;
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !('traits' in doc)) throw new BadRequestError(ONE_OR_ALL);
    const extra = Object.keys(doc).filter((k) => k !== 'traits');
    if (extra.length) throw new BadRequestError(`Unknown key(s) ${extra.join(', ')} in the traits body: send {"traits": [...]}.`);
    await this.traits.replace(ident, checkTraitList(doc.traits, 'traits'), ctxOf(req));
  }

  @Put(':trait')
  @HttpCode(204)
  @ApiOperation({ summary: 'Add one trait to a node (no body)' })
  async add(
    @Param('ident') ident: string,
    @Param('trait') trait: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    requireVersion(req, 37, 'Node traits');
    if (hasBody(body)) throw new BadRequestError(`No body should be provided when adding a trait. ${ONE_OR_ALL}`);
    await this.traits.add(ident, checkTrait(trait), ctxOf(req));
    res.setHeader('Location', `${baseUrl(req)}/v1/nodes/${ident}/traits/${trait}`);
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove every trait of a node' })
  async removeAll(@Param('ident') ident: string, @Req() req: Request): Promise<void> {
    requireVersion(req, 37, 'Node traits');
    await this.traits.remove(ident, undefined, ctxOf(req));
  }

  @Delete(':trait')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove one trait from a node (404 when it lacks it)' })
  async removeOne(@Param('ident') ident: string, @Param('trait') trait: string, @Req() req: Request): Promise<void> {
    requireVersion(req, 37, 'Node traits');
    await this.traits.remove(ident, trait, ctxOf(req));
  }
}
