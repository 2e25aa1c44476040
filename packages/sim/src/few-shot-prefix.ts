import { InvalidArgumentError } from '@instructkit/core';
import { withEnd } from './end-of-answer';
import { SeededRandom } from './seeded-random';
import { SIM_FAMILY_NAMES } from './sim-families';
import { familyOf, sampleSimTask } from './sim-task';

/**
 * Formats a prompt as a query for the prompted base model:
 * `Instruction: <prompt>\nResponse:`. The model's continuation is the completion.
 */
export function formatFewShotQuery(prompt: string): string {
  return `Instruction: ${prompt}\nResponse:`;
}

/**
 * A few-shot prefix for the "prompted base model" baseline (InstructGPT's GPT-3
 * with a few-shot prefix): `k` solved examples from different families, each
 * `Instruction: …\nResponse: <answer> <end>` followed by a blank line. Prepend it to
 * {@link formatFewShotQuery}`(prompt)`.
 *
 * @param k - Number of examples, 0 … 20 (0 gives the empty string).
 * @param seed - Seed of the examples drawn. Default: 0.
 * @throws InvalidArgumentError when `k` is not an integer in 0 … 20.
 */
export function fewShotPrefix(k: number, seed = 0): string {
  if (!Number.isInteger(k) || k < 0 || k > 20) throw new InvalidArgumentError('k', `expected an integer in 0…20, got ${k}`);
  const random = new SeededRandom(seed);
  const order = random.shuffle(SIM_FAMILY_NAMES);
  let prefix = '';
  for (let index = 0; index < k; index++) {
    const task = sampleSimTask(random, { families: [order[index % order.length]!] });
    prefix += `${formatFewShotQuery(task.text)} ${withEnd(familyOf(task).reference(task.spec))}\n\n`;
  }
  return prefix;
}
