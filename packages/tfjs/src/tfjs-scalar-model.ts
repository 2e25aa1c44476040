import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedError, type ScalarModelV1, type ScalarRequest, type ScalarResult, type TransformerConfig } from '@instructkit/core';
import { EVALUATION_MODE, lastTokenIndices, validateBatch } from './batch-utils';
import type { ParameterSpec } from './model-family';
import { embeddingLookup, matMul } from './ops';
import { TfjsTransformer } from './tfjs-transformer';

/** Parameters of the scalar head: `score.weight` `[1, hidden]` (PyTorch Linear layout) and `score.bias` `[1]`. */
export function scoreHeadSpecs(config: TransformerConfig): ParameterSpec[] {
  return [
    { name: 'score.weight', shape: [1, config.hiddenSize], init: 'normal', std: 0.02 },
    { name: 'score.bias', shape: [1], init: 'zeros' },
  ];
}

/**
 * A transformer trunk with a scalar head `score` (hidden → 1, with bias) instead of
 * the unembedding: reward models (`ranking` task) and PPO value models (`ppo-value`).
 * Create it with `createScalarModel` or `loadScalarModel`; release it with `dispose()`.
 */
export class TfjsScalarModel extends TfjsTransformer implements ScalarModelV1 {
  /** Always `scalar`. */
  readonly kind = 'scalar' as const;

  /** @internal Use `createScalarModel` / `loadScalarModel`. */
  constructor(config: TransformerConfig, modelId: string, specs: readonly ParameterSpec[], values: readonly tf.Tensor[]) {
    super(config, modelId, specs, values);
  }

  /** @throws {UnsupportedError} a scalar model has no unembedding. */
  logitsOfRows(): tf.Tensor2D {
    throw new UnsupportedError('a scalar model has no language-model head; use a TfjsCausalLM');
  }

  /** Head outputs `[n]` of hidden rows `[n, hidden]`. */
  scoresOfRows(rows: tf.Tensor2D): tf.Tensor1D {
    // [1, hidden] → [hidden, 1] is a reshape (same memory order), not a transpose.
    const weight = tf.reshape(this.parameterMap.get('score.weight')!, [this.config.hiddenSize, 1]);
    return tf.reshape(tf.add(matMul(rows, weight), this.parameterMap.get('score.bias')!), [-1]) as tf.Tensor1D;
  }

  /** Scores at each row's last real token (`last`, default) or at every token (`all`, 0 at padding). */
  async doScore(request: ScalarRequest): Promise<ScalarResult> {
    const { batch } = request;
    validateBatch(batch, this.config, 'batch');
    const { batchSize, length } = batch;
    const all = request.positions === 'all';
    const scores = tf.tidy(() => {
      const hidden = this.hiddenStates(batch, EVALUATION_MODE);
      if (all) return this.scoresOfRows(hidden);
      const last = lastTokenIndices(batch.attentionMask, batchSize, length).map((index, row) => row * length + index);
      return this.scoresOfRows(embeddingLookup(hidden, tf.tensor1d(last, 'int32')) as tf.Tensor2D);
    });
    const values = (await scores.data()) as Float32Array;
    scores.dispose();
    if (all) for (let index = 0; index < values.length; index++) if (!batch.attentionMask[index]) values[index] = 0;
    return { scores: values };
  }
}
