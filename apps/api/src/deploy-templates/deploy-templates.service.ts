// Deploy templates: stored steps selected by trait. Decides; never speaks HTTP.
import crypto from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { DeployTemplate } from '#prisma/generated/sqlite/client';
import type { StepRef } from '#workflows/contracts/steps';
import { ConflictError, NotFoundError } from '../common/errors';
import { isUuidLike, normalizeUuid } from '../common/input';
import { applyPatch, type PatchOp } from '../common/json-patch';
import { pageArgs, pageOf, pick, type SimpleListQuery } from '../common/list-query';
import { uniqueViolation } from '../common/unique-violation';
import { links } from '../common/links';
import { Store } from '../infra/store';
import { checkTemplatePatched, TEMPLATE_PATCH_KEYS, type TemplateValues } from './template-request';

function stepsOf(t: DeployTemplate): StepRef[] {
  return JSON.parse(t.steps) as StepRef[];
}

export function templateView(t: DeployTemplate, base: string): Record<string, unknown> {
  return {
    uuid: t.uuid,
    name: t.name,
    steps: stepsOf(t),
    extra: JSON.parse(t.extra) as unknown,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt?.toISOString() ?? null,
    links: links(base, 'deploy_templates', t.uuid),
  };
}

@Injectable()
export class DeployTemplatesService {
  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db;
  }

  async get(ident: string): Promise<DeployTemplate> {
    const t = isUuidLike(ident)
      ? await this.db.deployTemplate.findUnique({ where: { uuid: normalizeUuid(ident) } })
      : await this.db.deployTemplate.findUnique({ where: { name: ident } });
    if (!t) throw new NotFoundError(`Deploy template ${ident} could not be found.`);
    return t;
  }

  async list(q: SimpleListQuery, base: string) {
    if (q.marker && !(await this.db.deployTemplate.findUnique({ where: { uuid: q.marker } })))
      throw new NotFoundError(`Deploy template ${q.marker} could not be found.`);
    const rows = await this.db.deployTemplate.findMany(pageArgs(q));
    return pageOf(rows, q, (t) => pick(templateView(t, base), q.show));
  }

  private async write<T>(name: string, uuid: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const f = uniqueViolation(e);
      if (f?.some((x) => x.includes('uuid'))) throw new ConflictError(`A deploy template with UUID ${uuid} already exists.`);
      if (f !== undefined) throw new ConflictError(`A deploy template with name ${name} already exists.`);
      throw e;
    }
  }

  create(v: TemplateValues & { uuid?: string }): Promise<DeployTemplate> {
    const uuid = v.uuid ?? crypto.randomUUID();
    return this.write(v.name, uuid, () =>
      this.db.deployTemplate.create({
        data: { uuid, name: v.name, steps: JSON.stringify(v.steps), extra: JSON.stringify(v.extra) },
      }),
    );
  }

  async patch(t: DeployTemplate, ops: PatchOp[]): Promise<DeployTemplate> {
    const doc = applyPatch({ name: t.name, steps: stepsOf(t), extra: JSON.parse(t.extra) as unknown }, ops, TEMPLATE_PATCH_KEYS);
    const v = checkTemplatePatched(doc);
    return this.write(v.name, t.uuid, () =>
      this.db.deployTemplate.update({
        where: { id: t.id },
        data: { name: v.name, steps: JSON.stringify(v.steps), extra: JSON.stringify(v.extra), updatedAt: new Date() },
      }),
    );
  }

  async delete(t: DeployTemplate): Promise<void> {
    await this.db.deployTemplate.deleteMany({ where: { id: t.id } });
  }

  /** The templates an instance's traits select (instance_info.traits), by name. */
  async forTraits(traits: unknown): Promise<{ name: string; steps: StepRef[] }[]> {
    if (!Array.isArray(traits)) return [];
    const names = traits.filter((x): x is string => typeof x === 'string');
    if (!names.length) return [];
    const rows = await this.db.deployTemplate.findMany({ where: { name: { in: names } }, orderBy: { name: 'asc' } });
    return rows.map((t) => ({ name: t.name, steps: stepsOf(t) }));
  }
}
