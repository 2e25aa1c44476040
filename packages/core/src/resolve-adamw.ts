import { InvalidArgumentError } from './errors';
import type { AdamWSettings } from './trainable-model';

/** Resolved AdamW hyper-parameters (defaults filled in). */
export interface ResolvedAdamW {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
}

/**
 * Fills AdamW defaults (β1 0.9, β2 0.999, ε 1e-8, decay 0) and checks ranges; every engine's
 * optimizer starts from it, so the defaults are the same whichever engine trains.
 * @throws {InvalidArgumentError} naming `optimizer.<field>`.
 */
export function resolveAdamW(settings: AdamWSettings): ResolvedAdamW {
  const resolved = {
    learningRate: settings.learningRate,
    beta1: settings.beta1 ?? 0.9,
    beta2: settings.beta2 ?? 0.999,
    epsilon: settings.epsilon ?? 1e-8,
    weightDecay: settings.weightDecay ?? 0,
  };
  if (!(resolved.learningRate >= 0)) throw new InvalidArgumentError('optimizer.learningRate', `must be ≥ 0, got ${settings.learningRate}`);
  for (const field of ['beta1', 'beta2'] as const) {
    if (!(resolved[field] >= 0 && resolved[field] < 1)) throw new InvalidArgumentError(`optimizer.${field}`, `must be in [0, 1), got ${resolved[field]}`);
  }
  if (!(resolved.epsilon > 0)) throw new InvalidArgumentError('optimizer.epsilon', `must be > 0, got ${resolved.epsilon}`);
  if (!(resolved.weightDecay >= 0)) throw new InvalidArgumentError('optimizer.weightDecay', `must be ≥ 0, got ${resolved.weightDecay}`);
  return resolved;
}
