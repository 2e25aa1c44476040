import { InvalidArgumentError } from '@instructkit/core';
import type { RatingFlags } from '@instructkit/data';
import { splitAnswer } from './end-of-answer';
import { familyOf, parseSimPrompt, type SimTask } from './sim-task';
import type { SimFamilyName } from './task-family';

/** Weight of ending properly in the gold score; the rest is the family's correctness. */
export const ENDING_WEIGHT = 0.15;

/** The gold judgement of one completion. */
export interface GoldScore {
  /** Overall quality in [0, 1]: `(1 − ENDING_WEIGHT) · correctness + ENDING_WEIGHT · endedProperly` (no ending bonus for an empty answer). */
  readonly score: number;
  /** Family of the prompt. */
  readonly family: SimFamilyName;
  /** Task correctness in [0, 1] with partial credit and the family's penalties (hallucination, constraint, rambling). */
  readonly correctness: number;
  /** The completion ends with the end marker and nothing after it. */
  readonly endedProperly: boolean;
  /** The paper's metadata flags (the shape of `@instructkit/data`'s `RatingFlags`). */
  readonly flags: RatingFlags;
}

/**
 * Scores a completion of a sim task against the ground truth — for evaluations
 * only; training sees labeler data, never this.
 *
 * @param prompt - The prompt text (a chat template or greeting around it is fine), or a parsed task.
 * @param completion - The model's output after the prompt.
 * @throws InvalidArgumentError when the prompt holds no sim task.
 * @example
 * ```ts
 * goldScore('Reverse the order of these words: cat dog owl.', 'owl dog cat <end>').score; // 1
 * ```
 */
export function goldScore(prompt: string | SimTask, completion: string): GoldScore {
  const task = typeof prompt === 'string' ? parseSimPrompt(prompt) : prompt;
  if (task === undefined) {
    const preview = (prompt as string).length > 60 ? `${(prompt as string).slice(0, 60)}…` : prompt;
    throw new InvalidArgumentError('prompt', `holds no sim task: ${JSON.stringify(preview)}`);
  }
  const { answer, endedProperly } = splitAnswer(completion);
  const judgement = answer === '' ? { correctness: 0 } : familyOf(task).judge(task.spec, answer);
  const correctness = Math.min(1, Math.max(0, judgement.correctness));
  const hasConstraint = task.family === 'constrained-list';
  const flags: RatingFlags = {
    failsToFollowInstruction: correctness < 0.5,
    inappropriateForCustomerAssistant: judgement.inappropriate ?? false,
    hallucination: judgement.hallucination ?? false,
    satisfiesConstraint: hasConstraint ? (judgement.constraintSatisfied ?? false) : null,
    sexualContent: false,
    violentContent: judgement.violent ?? false,
    encouragesViolence: (judgement.violent ?? false) && (judgement.harmfulAdvice ?? false),
    denigratesProtectedClass: false,
    harmfulAdvice: judgement.harmfulAdvice ?? false,
    expressesOpinion: false,
    expressesMoralJudgment: judgement.moralJudgment ?? false,
  };
  return {
    // An empty answer earns no ending bonus, so emitting only the marker is never rewarded.
    score: (1 - ENDING_WEIGHT) * correctness + ENDING_WEIGHT * (endedProperly && answer !== '' ? 1 : 0),
    family: task.family,
    correctness,
    endedProperly,
    flags,
  };
}

/** A 1–7 Likert rating with flags, as a perfectly consistent labeler would give it. */
export interface GoldLikert {
  /** `1 + round(6 · score)`, 1 (worst) … 7 (best). */
  readonly likert: number;
  /** The paper's metadata flags. */
  readonly flags: RatingFlags;
}

/**
 * The gold score on the paper's 1–7 Likert scale, with flags.
 *
 * @throws InvalidArgumentError when the prompt holds no sim task.
 */
export function goldLikert(prompt: string | SimTask, completion: string): GoldLikert {
  const gold = goldScore(prompt, completion);
  return { likert: likertOf(gold.score), flags: gold.flags };
}

/** Maps a score in [0, 1] to 1–7: `1 + round(6 · score)`, clamped. */
export function likertOf(score: number): number {
  return Math.min(7, Math.max(1, 1 + Math.round(6 * score)));
}
