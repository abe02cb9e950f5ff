// /v1/deploy_templates (API >= 1.55): reads requests, asks DeployTemplatesService, writes Ironic's shapes.
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { baseUrl } from '../common/links';
import { parseSimpleList, pick } from '../common/list-query';
import { requireVersion } from '../common/microversion';
import { requireAdmin } from '../common/access';
import { ctxOf } from '../common/request-context';
import { parsePatch } from '../common/json-patch';
import { ApiSettings } from '../infra/settings';
import { parseFields } from '../nodes/node-list-query';
import { collection } from '../nodes/nodes.controller';
import { DeployTemplatesService, templateView } from './deploy-templates.service';
import { parseTemplateCreate, TEMPLATE_FIELDS, TEMPLATE_LIST_FIELDS, TEMPLATE_VERSION } from './template-request';

const SORTABLE = { name: 'name', uuid: 'uuid', created_at: 'createdAt', updated_at: 'updatedAt' };

@ApiTags('deploy templates')
@Controller('v1/deploy_templates')
export class DeployTemplatesController {
  constructor(
    private readonly templates: DeployTemplatesService,
    private readonly settings: ApiSettings,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Create a deploy template',
    description:
      'name: the trait that selects it (CUSTOM_*); steps: deploy steps of the step table, each with interface, step, args, priority.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      example: { name: 'CUSTOM_CLEAN_DISK', steps: [{ interface: 'deploy', step: 'erase_devices_metadata', args: {}, priority: 90 }] },
    },
  })
  async create(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    requireVersion(req, TEMPLATE_VERSION, 'Deploy templates');
    requireAdmin(ctxOf(req), 'create deploy templates');
    const t = await this.templates.create(parseTemplateCreate(body));
    res.status(201).setHeader('Location', `${baseUrl(req)}/v1/deploy_templates/${t.uuid}`);
    return templateView(t, baseUrl(req));
  }

  @Get()
  @ApiOperation({ summary: 'List deploy templates', description: 'Paging: limit, marker, sort_key, sort_dir; fields; detail.' })
  async list(@Query() query: Record<string, unknown>, @Req() req: Request) {
    requireVersion(req, TEMPLATE_VERSION, 'Deploy templates');
    const q = parseSimpleList(query, {
      filters: [],
      fields: TEMPLATE_FIELDS,
      listFields: TEMPLATE_LIST_FIELDS,
      sortable: SORTABLE,
      maxLimit: this.settings.maxLimit,
    });
    return collection('deploy_templates', await this.templates.list(q, baseUrl(req)), baseUrl(req), '/v1/deploy_templates');
  }

  @Get(':ident')
  @ApiOperation({ summary: 'Show a deploy template by UUID or name' })
  async show(@Param('ident') ident: string, @Query('fields') fields: string | undefined, @Req() req: Request) {
    requireVersion(req, TEMPLATE_VERSION, 'Deploy templates');
    const wanted = parseFields(fields, TEMPLATE_FIELDS);
    const view = templateView(await this.templates.get(ident), baseUrl(req));
    return wanted ? pick(view, wanted) : view;
  }

  @Patch(':ident')
  @ApiOperation({ summary: 'Update name, steps or extra with a JSON Patch' })
  async patch(@Param('ident') ident: string, @Body() body: unknown, @Req() req: Request) {
    requireVersion(req, TEMPLATE_VERSION, 'Deploy templates');
    requireAdmin(ctxOf(req), 'change deploy templates');
    const t = await this.templates.get(ident);
    return templateView(await this.templates.patch(t, parsePatch(body)), baseUrl(req));
  }

  @Delete(':ident')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a deploy template' })
  async remove(@Param('ident') ident: string, @Req() req: Request): Promise<void> {
    requireVersion(req, TEMPLATE_VERSION, 'Deploy templates');
    requireAdmin(ctxOf(req), 'delete deploy templates');
    await this.templates.delete(await this.templates.get(ident));
  }
}
