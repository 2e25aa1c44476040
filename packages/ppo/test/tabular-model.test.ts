import { describe, expect, it } from 'vitest';
import type { PolicyTask } from '@instructkit/core';
import { buildRolloutBatch } from '../src/build-rollout-batch';
import { clippedPolicyLoss } from '../src/clipped-policy-loss';
import { createTabularPolicy } from './tabular-model';
import { sftTable, EOS } from './bandit-task';
import { expectClose } from './expect-close';

// The conformance check every engine should pass (tfjs next): its PolicyTask loss equals
// the plain-JS reference on the engine's own log-probs, and its gradient matches finite
// differences of that loss. Run here on the tabular engine the trainer tests use.
describe('PolicyTask conformance (tabular engine)', () => {
  const policy = createTabularPolicy({ vocabSize: 5, eosTokenId: EOS, table: sftTable() });
  const layout = buildRolloutBatch(
    [
      { promptIds: Int32Array.of(1, 2), completionIds: Int32Array.of(3, 1, 0) },
      { promptIds: Int32Array.of(4), completionIds: Int32Array.of(2, 2) },
    ],
    EOS,
  );
  const actions = layout.batch.length - 1;
  const oldLogprobs = Float32Array.from({ length: 2 * actions }, (_, index) => -1.2 - 0.3 * Math.sin(index));
  const advantages = Float32Array.from({ length: 2 * actions }, (_, index) => Math.cos(3 * index));
  const task: PolicyTask = { kind: 'ppo-policy', batch: layout.batch, actionMask: layout.actionMask, oldLogprobs, advantages, clipRange: 0.2 };

  it('reports the reference loss value on its own log-probs', async () => {
    const { logprobs } = await policy.doLogprobs({ batch: layout.batch });
    const reference = clippedPolicyLoss({ logprobs, oldLogprobs, advantages, mask: layout.actionMask, clipRange: 0.2 });
    const evaluated = await policy.doEvaluate(task);
    expectClose(evaluated.loss, reference.loss, 1e-6);
    expectClose(evaluated.metrics.clipFraction!, reference.clipFraction, 1e-9);
  });

  it('has parameter gradients that match finite differences of the loss', async () => {
    const analytic = policy.gradientOf(task);
    const numeric = new Float64Array(analytic.length);
    for (let index = 0; index < analytic.length; index++) {
      const saved = policy.table[index]!;
      policy.table[index] = saved + 1e-3;
      const plus = (await policy.doEvaluate(task)).loss;
      policy.table[index] = saved - 1e-3;
      const minus = (await policy.doEvaluate(task)).loss;
      policy.table[index] = saved;
      numeric[index] = (plus - minus) / 2e-3;
    }
    // float32 table: central differences are good to ~1e-4 here.
    expectClose(analytic, numeric, 2e-4);
    expect(analytic.some((value) => Math.abs(value) > 1e-3)).toBe(true);
  });
});
