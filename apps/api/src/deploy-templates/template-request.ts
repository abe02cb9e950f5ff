// Deploy template bodies (API >= 1.55) read into checked values: the name is a trait
// (CUSTOM_* or a standard one), the steps exist in the step table (contracts/steps.ts).
import { checkTemplateSteps, StepError, type StepRef } from '#workflows/contracts/steps';
import { BadRequestError } from '../common/errors';
import { readObject, readUuid, rejectUnknownKeys, requireObjectBody, type Json } from '../common/input';
import { traitProblem } from '../traits/trait-name';

export const TEMPLATE_VERSION = 55;
export const TEMPLATE_FIELDS = ['uuid', 'name', 'steps', 'extra', 'created_at', 'updated_at'] as const;
export const TEMPLATE_LIST_FIELDS = ['uuid', 'name'];
export const TEMPLATE_PATCH_KEYS = ['name', 'steps', 'extra'];

export interface TemplateValues {
  name: string;
  steps: StepRef[];
  extra: Json;
}

export function checkTemplateName(name: unknown): string {
  const p = traitProblem(name);
  if (p) throw new BadRequestError(`Invalid deploy template name: ${p} A deploy template is named after the trait that selects it.`);
  return name as string;
}

export function checkSteps(steps: unknown): StepRef[] {
  try {
    return checkTemplateSteps(steps).map(({ key: _key, ...s }) => s);
  } catch (e) {
    if (e instanceof StepError) throw new BadRequestError(e.message);
    throw e;
  }
}

function checkValues(doc: Json): TemplateValues {
  return {
    name: checkTemplateName(doc.name),
    steps: checkSteps(doc.steps),
    extra: doc.extra === undefined || doc.extra === null ? {} : readObject(doc.extra, 'extra'),
  };
}

export function parseTemplateCreate(body: unknown): TemplateValues & { uuid?: string } {
  const doc = requireObjectBody(body, 'deploy template');
  rejectUnknownKeys(doc, ['uuid', 'name', 'steps', 'extra'], 'deploy template');
  for (const k of ['name', 'steps'])
    if (doc[k] === undefined) throw new BadRequestError(`Schema error for deploy template: '${k}' is a required property.`);
  const uuid = doc.uuid === undefined || doc.uuid === null ? undefined : readUuid(doc.uuid, 'uuid');
  return { ...checkValues(doc), uuid };
}

/** The document a PATCH produced, checked as a whole. */
export function checkTemplatePatched(doc: Json): TemplateValues {
  return checkValues(doc);
}
