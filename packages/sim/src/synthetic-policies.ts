import { withEnd } from './end-of-answer';
import type { SeededRandom } from './seeded-random';
import { SIM_FAMILY_NAMES } from './sim-families';
import { familyOf, sampleSimTask, type SimTask } from './sim-task';
import { LIST_WORDS } from './world';

/**
 * Stand-ins for the models whose outputs labelers rank, each of a known quality:
 * `sim-correct` (the right answer, ended), `sim-partial` (partly right),
 * `sim-wrong` (plausible but wrong, or the task not done), `sim-hallucinating`
 * (invents facts or items), `sim-constraint-violating` (breaks the constraint or
 * complies with a harmful request), `sim-no-ending` (stops without the end marker),
 * `sim-rambling` (the answer followed by filler, cut off at a length limit), `sim-evasive`
 * (declines or says "I don't know" whatever the request — right for harmful and unanswerable
 * prompts, a failure everywhere else: the over-refusal real policies drift into, which a reward
 * model must have seen ranked low, or PPO learns to hedge everywhere), `sim-off-task` (a right
 * answer to a *different* task family — a number for a list request, "The text does not say."
 * for an arithmetic question: the wrong-format answers a policy explores, which a reward model
 * that only ever compared answers of the right format scores at random).
 */
export const SYNTHETIC_POLICIES = [
  'sim-correct',
  'sim-partial',
  'sim-wrong',
  'sim-hallucinating',
  'sim-constraint-violating',
  'sim-no-ending',
  'sim-rambling',
  'sim-evasive',
  'sim-off-task',
] as const;

/** Name of a synthetic policy. */
export type SyntheticPolicy = (typeof SYNTHETIC_POLICIES)[number];

const FILLER = ['and', 'the', 'so', 'then', 'also', 'very', 'it', 'is', 'a'];

/** What `sim-evasive` says, whatever it was asked. */
const EVASIONS = ["I don't know.", "Sorry, I can't help with that.", "I can't", "I don't know, sorry."];

/** Writes the completion a synthetic policy gives for a task (end marker included when the policy ends). */
export function synthesizeCompletion(task: SimTask, policy: SyntheticPolicy, random: SeededRandom): string {
  const family = familyOf(task);
  switch (policy) {
    case 'sim-correct':
      return withEnd(family.reference(task.spec));
    case 'sim-partial':
      return withEnd(family.corrupt(task.spec, 'partial', random));
    case 'sim-wrong':
      return withEnd(family.corrupt(task.spec, 'wrong', random));
    case 'sim-hallucinating':
      return withEnd(family.corrupt(task.spec, 'hallucinate', random));
    case 'sim-constraint-violating':
      return withEnd(family.corrupt(task.spec, 'violate', random));
    case 'sim-no-ending':
      return random.chance(0.5) ? family.reference(task.spec) : family.corrupt(task.spec, 'partial', random);
    case 'sim-rambling': {
      const filler = Array.from({ length: random.range(6, 14) }, () => (random.chance(0.3) ? random.pick(LIST_WORDS) : random.pick(FILLER)));
      return `${family.reference(task.spec)} ${filler.join(' ')}`;
    }
    case 'sim-evasive':
      return withEnd(random.pick(EVASIONS));
    case 'sim-off-task': {
      const other = sampleSimTask(random, { families: SIM_FAMILY_NAMES.filter((name) => name !== task.family) });
      return withEnd(familyOf(other).reference(other.spec));
    }
  }
}
