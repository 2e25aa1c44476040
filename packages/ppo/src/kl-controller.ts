import { InvalidArgumentError } from '@instructkit/core';

/** Serializable state of a KL controller, stored in PPO checkpoints. */
export type KlControllerState =
  | { readonly kind: 'fixed'; readonly value: number }
  | { readonly kind: 'adaptive'; readonly value: number; readonly target: number; readonly horizon: number };

/** Holds β, the per-token KL coefficient, and adapts it after each batch. */
export interface KlController {
  /** Current β. */
  readonly value: number;
  /**
   * Updates β after a batch.
   * @param currentKl - Measured sequence-level KL (nats) of the batch.
   * @param steps - Episodes in the batch (rows).
   */
  update(currentKl: number, steps: number): void;
  /** State to checkpoint. */
  state(): KlControllerState;
}

/**
 * A constant β (InstructGPT: 0.02).
 * @throws InvalidArgumentError when `value` is negative or not finite.
 */
export function createFixedKlController(value = 0.02): KlController {
  if (!Number.isFinite(value) || value < 0) throw new InvalidArgumentError('klCoefficient', `must be ≥ 0, got ${value}`);
  return {
    value,
    update() {},
    state: () => ({ kind: 'fixed', value }),
  };
}

/** Settings of the adaptive controller. */
export interface AdaptiveKlSettings {
  /** Initial β. Default: 0.02. */
  readonly initial?: number;
  /** KL (nats per sequence) the controller steers towards. Default: 6 (Ziegler et al.). */
  readonly target?: number;
  /** Episodes over which a full-size correction is applied. Default: 10 000 (Ziegler et al.). */
  readonly horizon?: number;
}

/**
 * Ziegler et al. (2019) §2.2 proportional controller:
 * e = clip(KL/target − 1, −0.2, 0.2), β ← β · (1 + e · steps / horizon).
 *
 * @throws InvalidArgumentError for non-positive target or horizon, or negative β.
 */
export function createAdaptiveKlController(settings: AdaptiveKlSettings = {}): KlController {
  const target = settings.target ?? 6;
  const horizon = settings.horizon ?? 10_000;
  let value = settings.initial ?? 0.02;
  if (!(target > 0)) throw new InvalidArgumentError('klTarget', `must be > 0, got ${target}`);
  if (!(horizon > 0)) throw new InvalidArgumentError('klHorizon', `must be > 0, got ${horizon}`);
  if (!Number.isFinite(value) || value < 0) throw new InvalidArgumentError('klCoefficient', `must be ≥ 0, got ${value}`);
  return {
    get value() {
      return value;
    },
    update(currentKl: number, steps: number) {
      if (!Number.isFinite(currentKl)) return;
      const error = Math.min(0.2, Math.max(-0.2, currentKl / target - 1));
      value *= 1 + (error * steps) / horizon;
    },
    state: () => ({ kind: 'adaptive', value, target, horizon }),
  };
}

/** Rebuilds a controller from `state()`. */
export function restoreKlController(state: KlControllerState): KlController {
  return state.kind === 'fixed'
    ? createFixedKlController(state.value)
    : createAdaptiveKlController({ initial: state.value, target: state.target, horizon: state.horizon });
}
