import type { Prompt } from '../records/prompt';
import { capPerUser } from './cap-per-user';
import { dedupeByPrefix } from './dedupe-by-prefix';
import { PII_TYPES, type PiiType, type ScrubPiiOptions } from './scrub-pii';
import { scrubPrompt } from './scrub-prompt';
import { splitByUser, type SplitByUserOptions } from './split-by-user';

/** Settings of {@link cleanPrompts}; each step can be switched off with `false`. */
export interface CleanPromptsOptions {
  /** PII scrubbing settings, or `false` to keep prompts as they are. Default: all types. */
  readonly scrub?: ScrubPiiOptions | false;
  /** Prefix length for deduplication, or `false` to skip it. Default: 100. */
  readonly prefixLength?: number | false;
  /** Most prompts per user, or `false` for no cap. Default: 200. */
  readonly maxPerUser?: number | false;
  /** Split fractions. Default: `{ train: 0.8, valid: 0.1, test: 0.1 }`. */
  readonly fractions?: SplitByUserOptions<Prompt>['fractions'];
  /** Seed of the per-user choice and of the split. Default: 0. */
  readonly seed?: number;
}

/** What {@link cleanPrompts} did, step by step. */
export interface CleanPromptsReport {
  /** Prompts given. */
  readonly input: number;
  /** Prompts in which PII was found and replaced. */
  readonly scrubbedPrompts: number;
  /** Replacements by type. */
  readonly findings: Record<PiiType, number>;
  /** Prompts dropped as prefix duplicates. */
  readonly duplicates: number;
  /** Prompts dropped by the per-user cap. */
  readonly overCap: number;
  /** Prompts per split. */
  readonly prompts: { readonly train: number; readonly valid: number; readonly test: number };
  /** Users per split (disjoint). */
  readonly users: { readonly train: number; readonly valid: number; readonly test: number };
}

/**
 * The InstructGPT prompt pipeline (§3.2) in one call: scrub PII, drop prefix
 * duplicates (after scrubbing, so prompts differing only in an e-mail address count as
 * duplicates), cap prompts per user, split by user.
 *
 * @returns The three splits, in input order, and a report of each step.
 */
export function cleanPrompts(
  prompts: readonly Prompt[],
  options: CleanPromptsOptions = {},
): { train: Prompt[]; valid: Prompt[]; test: Prompt[]; report: CleanPromptsReport } {
  const seed = options.seed ?? 0;
  const findings = Object.fromEntries(PII_TYPES.map((type) => [type, 0])) as Record<PiiType, number>;
  let scrubbedPrompts = 0;
  let current: Prompt[] = [...prompts];
  if (options.scrub !== false) {
    current = current.map((prompt) => {
      const result = scrubPrompt(prompt, options.scrub || {});
      if (result.findings.length > 0) scrubbedPrompts += 1;
      for (const finding of result.findings) findings[finding.type] += 1;
      return result.prompt;
    });
  }
  const beforeDedupe = current.length;
  if (options.prefixLength !== false) current = dedupeByPrefix(current, { prefixLength: options.prefixLength ?? 100 }).kept;
  const beforeCap = current.length;
  if (options.maxPerUser !== false) current = capPerUser(current, { maxPerUser: options.maxPerUser ?? 200, seed });
  const { train, valid, test } = splitByUser(current, { seed, ...(options.fractions ? { fractions: options.fractions } : {}) });
  const usersOf = (items: Prompt[]) => new Set(items.map((prompt) => prompt.userId)).size;
  return {
    train,
    valid,
    test,
    report: {
      input: prompts.length,
      scrubbedPrompts,
      findings,
      duplicates: beforeDedupe - beforeCap,
      overCap: beforeCap - current.length,
      prompts: { train: train.length, valid: valid.length, test: test.length },
      users: { train: usersOf(train), valid: usersOf(valid), test: usersOf(test) },
    },
  };
}
