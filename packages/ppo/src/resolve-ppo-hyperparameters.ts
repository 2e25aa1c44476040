import { InvalidArgumentError } from '@instructkit/core';
import { PpoHyperparameters, type PpoHyperparametersInput } from './ppo-hyperparameters';

/**
 * Fills in defaults and validates PPO hyperparameters.
 * @throws InvalidArgumentError naming the first bad field, e.g. `ppo.minibatchSize: must divide rolloutBatchSize`.
 */
export function resolvePpoHyperparameters(input: PpoHyperparametersInput = {}): PpoHyperparameters {
  const parsed = PpoHyperparameters.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidArgumentError(['ppo', ...issue.path.map(String)].join('.'), issue.message);
  }
  return parsed.data;
}
