import * as tf from '@tensorflow/tfjs-core';
import {
  InvalidArgumentError,
  UnsupportedError,
  type CausalLMV1,
  type DecodeSession,
  type LogitsRequest,
  type LogitsResult,
  type LogprobsRequest,
  type LogprobsResult,
  type StartDecodingRequest,
  type StartDecodingResult,
  type TransformerConfig,
} from '@instructkit/core';
import { EVALUATION_MODE, positionIds, validateBatch } from './batch-utils';
import type { KeyValueCache, ParameterSpec } from './model-family';
import { matMul, softmaxEntropy, targetLogprobs } from './ops';
import { TfjsTransformer } from './tfjs-transformer';

/**
 * A GPT-2-family causal language model on TensorFlow.js: scores sequences, decodes
 * with a key/value cache, and trains on core's tasks (`language-modeling`, `ppo-policy`,
 * weighted sums of them, and custom tfjs losses). Create it with `createCausalLM` or
 * `loadCausalLM`; release it with `dispose()`.
 */
export class TfjsCausalLM extends TfjsTransformer implements CausalLMV1 {
  /** Always `causal-lm`. */
  readonly kind = 'causal-lm' as const;

  /** @internal Use `createCausalLM` / `loadCausalLM`. */
  constructor(config: TransformerConfig, modelId: string, specs: readonly ParameterSpec[], values: readonly tf.Tensor[]) {
    super(config, modelId, specs, values);
  }

  /** Logits `[n, vocab]` of hidden rows `[n, hidden]`. */
  logitsOfRows(rows: tf.Tensor2D): tf.Tensor2D {
    return matMul(rows, this.family.unembedding(this.parameterMap, this.config)) as tf.Tensor2D;
  }

  /** @throws {UnsupportedError} a causal LM has no scalar head. */
  scoresOfRows(): tf.Tensor1D {
    throw new UnsupportedError('a causal LM has no scalar head; use a TfjsScalarModel (createScalarModel / loadScalarModel)');
  }

  /** Per-token log-probs (and optionally entropies), evaluation mode. */
  async doLogprobs(request: LogprobsRequest): Promise<LogprobsResult> {
    const { batch } = request;
    validateBatch(batch, this.config, 'batch');
    const { batchSize, length } = batch;
    if (length < 2) return { logprobs: new Float32Array(0), ...(request.includeEntropy ? { entropy: new Float32Array(0) } : {}) };
    const targets = new Int32Array(batchSize * (length - 1));
    for (let row = 0; row < batchSize; row++) targets.set(batch.ids.subarray(row * length + 1, (row + 1) * length), row * (length - 1));
    const [logprobs, entropy] = tf.tidy(() => {
      const hidden = this.runTrunk(batch, EVALUATION_MODE, false).hidden;
      const rows = tf.reshape(tf.slice(hidden, [0, 0, 0], [batchSize, length - 1, this.config.hiddenSize]), [-1, this.config.hiddenSize]) as tf.Tensor2D;
      const logits = this.logitsOfRows(rows);
      const selected = targetLogprobs(logits, tf.tensor1d(targets, 'int32'));
      return [selected, request.includeEntropy ? softmaxEntropy(logits) : undefined] as const;
    });
    const values = (await logprobs.data()) as Float32Array;
    const entropies = entropy ? ((await entropy.data()) as Float32Array) : undefined;
    tf.dispose([logprobs, ...(entropy ? [entropy] : [])]);
    // Entries whose target or context position is padding are 0 by contract (the first
    // real token of a left-padded row has nothing real to be predicted from).
    for (let row = 0; row < batchSize; row++) {
      for (let step = 0; step < length - 1; step++) {
        if (!batch.attentionMask[row * length + step + 1] || !batch.attentionMask[row * length + step]) {
          values[row * (length - 1) + step] = 0;
          if (entropies) entropies[row * (length - 1) + step] = 0;
        }
      }
    }
    return entropies ? { logprobs: values, entropy: entropies } : { logprobs: values };
  }

  /** Logits of every position `[batch, length, vocab]`, evaluation mode. */
  async doLogits(request: LogitsRequest): Promise<LogitsResult> {
    const { batch } = request;
    validateBatch(batch, this.config, 'batch');
    const logits = tf.tidy(() => {
      const hidden = tf.reshape(this.runTrunk(batch, EVALUATION_MODE, false).hidden, [-1, this.config.hiddenSize]) as tf.Tensor2D;
      return this.logitsOfRows(hidden);
    });
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    return { logits: values };
  }

  /**
   * Runs the (left-padded) prompt, keeps every layer's keys/values, and returns the
   * last position's logits with a session that appends one token per row per step.
   * @throws {InvalidArgumentError} a bad batch, or `maxNewTokens` past the context length.
   */
  async doStartDecoding(request: StartDecodingRequest): Promise<StartDecodingResult> {
    const { batch, maxNewTokens } = request;
    validateBatch(batch, this.config, 'batch');
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) throw new InvalidArgumentError('maxNewTokens', `must be a non-negative integer, got ${maxNewTokens}`);
    const { batchSize, length } = batch;
    const { logits, cache, unembedding } = tf.tidy(() => {
      const output = this.runTrunk(batch, EVALUATION_MODE, true);
      const last = tf.reshape(tf.slice(output.hidden, [0, length - 1, 0], [batchSize, 1, this.config.hiddenSize]), [batchSize, this.config.hiddenSize]);
      const unembeddingMatrix = this.family.unembedding(this.parameterMap, this.config);
      return { logits: matMul(last, unembeddingMatrix), cache: output.cache!, unembedding: unembeddingMatrix };
    });
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    const positions = positionIds(batch.attentionMask, batchSize, length);
    const nextPositions = new Int32Array(batchSize);
    for (let row = 0; row < batchSize; row++) {
      let real = 0;
      for (let index = 0; index < length; index++) real += batch.attentionMask[row * length + index] ? 1 : 0;
      nextPositions[row] = real === 0 ? positions[row * length + length - 1]! : real;
    }
    const session = new TfjsDecodeSession(this, batchSize, cache, unembedding, Uint8Array.from(batch.attentionMask), nextPositions);
    return { logits: values, session };
  }

  /** @internal One decoding step over the cache (used by the session). */
  decodeStep(tokens: Int32Array, cache: KeyValueCache, keyMask: Uint8Array, positions: Int32Array, unembedding: tf.Tensor2D): { logits: tf.Tensor2D; cache: KeyValueCache } {
    this.assertLive();
    const batchSize = tokens.length;
    return tf.tidy(() => {
      const output = this.family.trunk(
        this.parameterMap,
        this.config,
        { ids: tf.tensor2d(tokens, [batchSize, 1], 'int32'), batchSize, length: 1, positions, keyMask, cache },
        EVALUATION_MODE,
        true,
      );
      const hidden = tf.reshape(output.hidden, [batchSize, this.config.hiddenSize]) as tf.Tensor2D;
      return { logits: matMul(hidden, unembedding) as tf.Tensor2D, cache: output.cache! };
    });
  }
}

/** A KV-cache decoding session of a {@link TfjsCausalLM}. */
class TfjsDecodeSession implements DecodeSession {
  readonly batchSize: number;
  private cache: KeyValueCache | undefined;
  private keyMask: Uint8Array;
  private readonly nextPositions: Int32Array;
  private readonly unembedding: tf.Tensor2D;
  private readonly model: TfjsCausalLM;

  constructor(model: TfjsCausalLM, batchSize: number, cache: KeyValueCache, unembedding: tf.Tensor2D, keyMask: Uint8Array, nextPositions: Int32Array) {
    this.model = model;
    this.batchSize = batchSize;
    this.cache = cache;
    this.unembedding = unembedding;
    this.keyMask = keyMask;
    this.nextPositions = nextPositions;
  }

  async step(tokens: Int32Array): Promise<Float32Array> {
    if (!this.cache) throw new UnsupportedError('decoding session was disposed');
    if (tokens.length !== this.batchSize) throw new InvalidArgumentError('tokens', `has ${tokens.length} entries for a session of ${this.batchSize} rows`);
    const contextLength = this.model.config.contextLength;
    for (let row = 0; row < this.batchSize; row++) {
      if (this.nextPositions[row]! >= contextLength) {
        throw new InvalidArgumentError('maxNewTokens', `row ${row} reached the context length ${contextLength}; generate fewer tokens or shorten the prompt`);
      }
      const id = tokens[row]!;
      if (!(id >= 0 && id < this.model.config.vocabSize)) throw new InvalidArgumentError(`tokens[${row}]`, `token id ${id} is outside the vocabulary`);
    }
    const keyLength = this.keyMask.length / this.batchSize;
    const nextMask = new Uint8Array(this.batchSize * (keyLength + 1));
    for (let row = 0; row < this.batchSize; row++) {
      nextMask.set(this.keyMask.subarray(row * keyLength, (row + 1) * keyLength), row * (keyLength + 1));
      nextMask[row * (keyLength + 1) + keyLength] = 1;
    }
    const { logits, cache } = this.model.decodeStep(tokens, this.cache, nextMask, Int32Array.from(this.nextPositions), this.unembedding);
    tf.dispose([...this.cache.keys, ...this.cache.values]);
    this.cache = cache;
    this.keyMask = nextMask;
    for (let row = 0; row < this.batchSize; row++) this.nextPositions[row]! += 1;
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    return values;
  }

  dispose(): void {
    if (!this.cache) return;
    tf.dispose([...this.cache.keys, ...this.cache.values, this.unembedding]);
    this.cache = undefined;
  }
}
