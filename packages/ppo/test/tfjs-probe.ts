/**
 * What the tfjs engine (written in parallel with this package) can do yet. Suites that need
 * a capability run as soon as the engine has it and are reported as skipped until then —
 * never silently passed.
 */
import type { TransformerConfig } from '@instructkit/core';
import { createCausalLM, createScalarModel } from '@instructkit/tfjs';

const CONFIG: TransformerConfig = {
  architecture: 'gpt2',
  vocabSize: 4,
  contextLength: 4,
  hiddenSize: 8,
  numLayers: 1,
  numHeads: 1,
  eosTokenId: 0,
  dropout: { embedding: 0, attention: 0, residual: 0 },
};
const BATCH = { batchSize: 1, length: 3, ids: Int32Array.of(1, 2, 3), attentionMask: Uint8Array.of(1, 1, 1) };
const MASK = Uint8Array.of(0, 1);

/** Whether a tiny tfjs model can score a batch (log-probs and values). */
export async function tfjsCanScore(): Promise<boolean> {
  try {
    const policy = await createCausalLM({ config: CONFIG, backend: 'cpu' });
    const value = await createScalarModel({ config: CONFIG, backend: 'cpu' });
    await policy.doLogprobs({ batch: BATCH });
    await value.doScore({ batch: BATCH, positions: 'all' });
    policy.dispose();
    value.dispose();
    return true;
  } catch {
    return false;
  }
}

/** Whether tiny tfjs models can take a PPO policy step and a PPO value step. */
export async function tfjsCanTrainPpo(): Promise<boolean> {
  try {
    const policy = await createCausalLM({ config: CONFIG, backend: 'cpu' });
    const value = await createScalarModel({ config: CONFIG, backend: 'cpu' });
    policy.configureTraining({ optimizer: { learningRate: 0.01 } });
    value.configureTraining({ optimizer: { learningRate: 0.01 } });
    const zeros = new Float32Array(2);
    const advantages = Float32Array.of(0, 1);
    await policy.doTrainStep({ microbatches: [{ kind: 'ppo-policy', batch: BATCH, actionMask: MASK, oldLogprobs: Float32Array.of(0, -1.4), advantages }] });
    await value.doTrainStep({ microbatches: [{ kind: 'ppo-value', batch: BATCH, actionMask: MASK, returns: advantages, oldValues: zeros }] });
    policy.dispose();
    value.dispose();
    return true;
  } catch {
    return false;
  }
}
