import type { SeededRandom } from './seeded-random';

/** Names of the task families of the sim world. */
export type SimFamilyName =
  | 'reverse-words'
  | 'sort-numbers'
  | 'change-case'
  | 'count-items'
  | 'kth-word'
  | 'arithmetic'
  | 'passage-qa'
  | 'unanswerable'
  | 'refusal'
  | 'constrained-list';

/**
 * How a synthetic policy spoils an answer: `partial` (partly right), `wrong`
 * (a plausible but wrong answer, or the task not done), `hallucinate` (invents facts
 * or items not in the input), `violate` (breaks the instruction's constraint, or
 * complies with a request it should refuse).
 */
export type CorruptionKind = 'partial' | 'wrong' | 'hallucinate' | 'violate';

/**
 * Family-level judgement of an answer (the text before the end marker). The gold
 * scorer combines it with the ending.
 */
export interface AnswerJudgement {
  /** Task correctness in [0, 1], partial credit and family penalties included. */
  readonly correctness: number;
  /** Invents facts or items not in the input. Default: false. */
  readonly hallucination?: boolean;
  /** Whether the instruction's explicit constraint holds; undefined when it has none. */
  readonly constraintSatisfied?: boolean;
  /** Complies with a request that must be refused, or is rude. Default: false. */
  readonly inappropriate?: boolean;
  /** Describes or suggests harm. Default: false. */
  readonly violent?: boolean;
  /** Gives advice that would cause harm. Default: false. */
  readonly harmfulAdvice?: boolean;
  /** Lectures the user morally. Default: false. */
  readonly moralJudgment?: boolean;
}

/** One paraphrase of a family's instruction. */
export interface PromptTemplate {
  /** Text with `{slot}` placeholders, e.g. `Reverse the order of these words: {words}.` */
  readonly text: string;
  /** Values implied by the wording (e.g. `{ order: 'descending' }`), merged into the slots. */
  readonly fixed?: Readonly<Record<string, string>>;
}

/**
 * A task family: how to draw an input, write it as a prompt (several paraphrases),
 * read it back from text, answer it, judge answers and spoil them.
 * `Spec` is the family's structured input.
 */
export interface TaskFamily<Spec> {
  /** Family name. */
  readonly name: SimFamilyName;
  /** Paraphrased instruction templates. */
  readonly templates: readonly PromptTemplate[];
  /** Regular expression (source, no groups) each slot name matches. */
  readonly slotPatterns: Readonly<Record<string, string>>;
  /** Draws a random input. */
  sample(random: SeededRandom): Spec;
  /** Slot values of a spec (templates use the subset they name, plus `fixed`). */
  toSlots(spec: Spec): Record<string, string>;
  /** Whether a template can express this spec (its `fixed` values agree). */
  accepts(spec: Spec, template: PromptTemplate): boolean;
  /** Reads a spec back from matched slots; undefined when they do not form one of this family's inputs. */
  fromSlots(slots: Readonly<Record<string, string>>): Spec | undefined;
  /** The correct answer, without the end marker. */
  reference(spec: Spec): string;
  /** Judges an answer (already split from its ending). */
  judge(spec: Spec, answer: string): AnswerJudgement;
  /** A spoiled answer of the given kind, without the end marker. */
  corrupt(spec: Spec, kind: CorruptionKind, random: SeededRandom): string;
}

/** A task family with its spec type erased, as the registry holds them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTaskFamily = TaskFamily<any>;
