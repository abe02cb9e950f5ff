// Trait names as Ironic takes them: a standard os-traits name (upper case, in one of
// os-traits' namespaces) or CUSTOM_ followed by upper-case letters, digits and _;
// at most 255 characters, and at most 50 traits on a node.
import { BadRequestError } from '../common/errors';

export const MAX_TRAITS_PER_NODE = 50;
export const MAX_TRAIT_LENGTH = 255;
/** os-traits' top-level namespaces; a standard trait is one of them followed by [A-Z0-9_]. */
export const STANDARD_NAMESPACES = ['COMPUTE_', 'HW_', 'MISC_', 'OWNER_', 'STORAGE_'] as const;
const CUSTOM_RE = /^CUSTOM_[A-Z0-9_]+$/;
const STANDARD_RE = new RegExp(`^(?:${STANDARD_NAMESPACES.join('|')})[A-Z0-9_]+$`);

export function traitProblem(trait: unknown): string | undefined {
  if (typeof trait !== 'string') return `Invalid trait ${JSON.stringify(trait)}: a trait is a string.`;
  if (trait.length === 0 || trait.length > MAX_TRAIT_LENGTH)
    return `Invalid trait '${trait.slice(0, 64)}${trait.length > 64 ? '...' : ''}': a trait has 1 to ${MAX_TRAIT_LENGTH} characters.`;
  if (CUSTOM_RE.test(trait) || STANDARD_RE.test(trait)) return undefined;
  return `Invalid trait '${trait}': use CUSTOM_ followed by upper-case letters, digits and _ (e.g. CUSTOM_GPU_A100), or a standard os-traits name (${STANDARD_NAMESPACES.map((n) => `${n}*`).join(', ')}, e.g. HW_CPU_X86_AVX2).`;
}

export function checkTrait(trait: unknown): string {
  const p = traitProblem(trait);
  if (p) throw new BadRequestError(p);
  return trait as string;
}

/** A whole trait list (PUT /traits, allocation traits): each name valid, duplicates folded, at most 50. */
export function checkTraitList(traits: unknown, what: string): string[] {
  if (!Array.isArray(traits)) throw new BadRequestError(`Invalid ${what}: expected a list of trait names, e.g. ["CUSTOM_GPU"].`);
  const out = [...new Set(traits.map(checkTrait))].sort();
  if (out.length > MAX_TRAITS_PER_NODE)
    throw new BadRequestError(`Invalid ${what}: ${out.length} traits given; a node has at most ${MAX_TRAITS_PER_NODE}.`);
  return out;
}
