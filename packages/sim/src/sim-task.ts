import { InvalidArgumentError } from '@instructkit/core';
import type { SeededRandom } from './seeded-random';
import { familyByName, SIM_FAMILIES, SIM_FAMILY_NAMES } from './sim-families';
import type { AnyTaskFamily, PromptTemplate, SimFamilyName } from './task-family';

/** One instance of a task family, with its prompt text. */
export interface SimTask {
  /** Family name. */
  readonly family: SimFamilyName;
  /** Index of the template (paraphrase) in the family's list. */
  readonly template: number;
  /** The family's structured input (see each family's `*Spec` type). */
  readonly spec: unknown;
  /** The prompt text. */
  readonly text: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface CompiledTemplate {
  readonly regex: RegExp;
  readonly slots: string[];
  /** The template's fixed text pieces; a text lacking one cannot match (a cheap pre-filter). */
  readonly literals: string[];
}

const compiled = new Map<PromptTemplate, CompiledTemplate>();

function compile(family: AnyTaskFamily, template: PromptTemplate): CompiledTemplate {
  let entry = compiled.get(template);
  if (entry) return entry;
  const slots: string[] = [];
  const literals = template.text.split(/\{[a-z]+\}/).filter((part) => part.trim() !== '');
  const source = template.text
    .split(/(\{[a-z]+\})/)
    .map((part) => {
      const slot = /^\{([a-z]+)\}$/.exec(part)?.[1];
      if (slot === undefined) return escapeRegExp(part);
      slots.push(slot);
      return `(${family.slotPatterns[slot]})`;
    })
    .join('');
  entry = { regex: new RegExp(source, 'g'), slots, literals };
  compiled.set(template, entry);
  return entry;
}

/** Writes a family's spec with one of its templates. */
export function renderTemplate(template: PromptTemplate, slots: Readonly<Record<string, string>>): string {
  return template.text.replace(/\{([a-z]+)\}/g, (_, slot: string) => slots[slot] ?? '');
}

/** Options of {@link sampleSimTask}. */
export interface SampleSimTaskOptions {
  /** Families to draw from, uniformly. Default: all ({@link SIM_FAMILY_NAMES}). */
  readonly families?: readonly SimFamilyName[];
}

/**
 * Draws a random task: a family, an input and one of the paraphrases that can word it.
 *
 * @throws InvalidArgumentError when `families` is empty or names an unknown family.
 */
export function sampleSimTask(random: SeededRandom, options: SampleSimTaskOptions = {}): SimTask {
  const names = options.families ?? SIM_FAMILY_NAMES;
  if (names.length === 0) throw new InvalidArgumentError('families', 'expected at least one family');
  const unknown = names.find((name) => !SIM_FAMILY_NAMES.includes(name));
  if (unknown !== undefined) {
    throw new InvalidArgumentError('families', `unknown family "${unknown}"; expected one of ${SIM_FAMILY_NAMES.join(', ')}`);
  }
  const family = familyByName(random.pick(names));
  const spec = family.sample(random);
  const usable = family.templates.map((template, index) => ({ template, index })).filter(({ template }) => family.accepts(spec, template));
  const { template, index } = random.pick(usable);
  return { family: family.name, template: index, spec, text: renderTemplate(template, family.toSlots(spec)) };
}

/**
 * Recovers the task behind a prompt text: the match of any family's template that
 * ends last in the text (the longest among those), so a chat template around it, a
 * greeting or planted PII before it, or solved few-shot examples before it do not
 * matter. Returns undefined for text that holds no sim task.
 */
export function parseSimPrompt(text: string): SimTask | undefined {
  let best: (SimTask & { end: number }) | undefined;
  for (const family of SIM_FAMILIES) {
    family.templates.forEach((template, index) => {
      const { regex, slots, literals } = compile(family, template);
      if (!literals.every((literal) => text.includes(literal))) return;
      for (const match of text.matchAll(regex)) {
        const end = match.index + match[0].length;
        if (best !== undefined && (end < best.end || (end === best.end && match[0].length <= best.text.length))) continue;
        const values: Record<string, string> = { ...template.fixed };
        slots.forEach((slot, position) => {
          values[slot] = match[position + 1]!;
        });
        const spec = family.fromSlots(values);
        if (spec !== undefined) best = { family: family.name, template: index, spec, text: match[0], end };
      }
    });
  }
  if (best === undefined) return undefined;
  const { end: _end, ...task } = best;
  return task;
}

/** The family object of a task. */
export function familyOf(task: Pick<SimTask, 'family'>): AnyTaskFamily {
  return familyByName(task.family);
}
