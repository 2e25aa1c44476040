import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  CheckpointError,
  InvalidArgumentError,
  loadModelConfig,
  toFloat32,
  UnsupportedError,
  type CausalLMV1,
  type DecodeSession,
  type LogitsRequest,
  type LogitsResult,
  type LogprobsRequest,
  type LogprobsResult,
  type NamedTensors,
  type StartDecodingRequest,
  type StartDecodingResult,
  type TokenBatch,
  type TransformerConfig,
} from '@instructkit/core';
import { buildGpt2Graph, type WeightPrecision } from '../export/gpt2-graph';
import { pruneModelOutputs, pruneSpecOutputs, encodeModelProto, readOwnFloatInitializers } from '../proto/onnx-proto';
import { configFromLayout, readDecoderLayout, type DecoderLayout } from './decoder-layout';
import { indexTensor, outputAsFloat32, positionIdsFromMask } from './feeds';
import { selectExecutionProviders, toSessionOptions, type OrtSessionSettings } from './session-settings';

/** Where `createOrtCausalLM` finds the model: exactly one of `path`, `directory` or `model`. */
export interface OrtCausalLMSettings {
  /** Path of a decoder `.onnx` file (external data beside it is found by onnxruntime). */
  readonly path?: string;
  /** Directory holding `model.onnx` (or `decoder_model_merged.onnx`) and `config.json`. */
  readonly directory?: string;
  /** ONNX model bytes already in memory. */
  readonly model?: Uint8Array;
  /** Architecture. Default: the directory's `config.json`, else what the graph's inputs tell. */
  readonly config?: TransformerConfig;
  /** Identifies the model in logs. Default: the path or directory. */
  readonly modelId?: string;
  /** onnxruntime session settings. */
  readonly sessionOptions?: OrtSessionSettings;
  /**
   * Which graph decoding runs (see `DecodingGraph`). Default: `in-place` for float32/float16 files
   * written by this package (their weights are read back to build the step graph) on the CPU
   * provider, else `pruned`.
   */
  readonly decodingGraph?: DecodingGraph;
}

/**
 * `in-place`: the prompt runs on the pruned graph (below) and every step on a one-token graph
 * (`buildGpt2Graph`'s `kvCache: 'in-place'`) over a cache kept in preallocated buffers that are
 * only read: the step returns this token's keys and values, which are written into the buffers.
 * With the Optimum layout every step copies the whole cache twice — `Concat` inside the graph, and
 * onnxruntime-node copies every fetched output, preallocated or not, into new JavaScript memory
 * (at batch 8 on the 4M model about 8 MB a step). GPT-2 built from weights in memory
 * (`createOrtCausalLMFromWeights`) or loaded from a float32/float16 file this package exported,
 * on the CPU provider; elsewhere (int8 files, foreign files, CUDA) it decodes as `pruned`. A third
 * session holds the weights once more. Logits equal the shared graph's within float rounding.
 * `pruned`: decoding (the prompt pass and every step) runs a second onnxruntime session over a
 * copy of the graph reduced to `last_logits` and the cache. onnxruntime runs every node of a graph
 * whatever is fetched, so the shared graph would also compute the full `logits` and the scoring
 * outputs each time: a 4M decoding step with onnxruntime ops runs 43 kernels instead of 58 (one
 * vocabulary-sized Gemm fewer), and the batch-8 prompt pass measured 12.8 ms instead of 16.6 ms. The second session is created on the first `doStartDecoding`; while both are open
 * the weights are held twice. Graphs without `last_logits`, with subgraphs or with external data
 * decode on the shared graph.
 * `full`: one session for everything (half the memory).
 */
export type DecodingGraph = 'in-place' | 'pruned' | 'full';

/** How `updateWeights` refreshes a session built from weights in memory. */
export type LiveWeightsMode = 'reexport' | 'inputs';

/** Settings of `createOrtCausalLMFromWeights`. */
export interface OrtCausalLMFromWeightsSettings {
  /** Architecture (GPT-2). */
  readonly config: TransformerConfig;
  /** Hugging Face-named parameters. */
  readonly weights: NamedTensors;
  /**
   * `reexport`: weights are initializers; `updateWeights` re-serialises the graph and recreates the
   * session (fastest generation, refresh costs a session creation).
   * `inputs`: weights are graph inputs fed on every run; `updateWeights` only swaps buffers (free
   * refresh, but decoding measured 30–50% slower on the 4M model: no weight pre-packing).
   * Default: `reexport`.
   */
  readonly liveWeights?: LiveWeightsMode;
  /**
   * Ops of the exported graph: `standard` (opset 17 only) or `onnxruntime` (its contrib
   * `MultiHeadAttention` and `SkipLayerNormalization`). Default: standard — measured faster on
   * the 4m preset on an idle 2-core machine after the Gemm-fused trunk landed (three runs: 2,588–2,909
   * vs 1,936–2,197 tok/s at batch 1, 4,459–5,291 vs 4,065–4,957 at batch 8).
   */
  readonly operators?: 'standard' | 'onnxruntime';
  /** Weight precision of the exported graph (`reexport` only). Default: float32. */
  readonly precision?: WeightPrecision;
  /** Identifies the model in logs. Default: `onnx:gpt2`. */
  readonly modelId?: string;
  /** onnxruntime session settings. */
  readonly sessionOptions?: OrtSessionSettings;
  /** Which graph decoding runs (see `DecodingGraph`). Default: `in-place` on the CPU provider, else `pruned`. */
  readonly decodingGraph?: DecodingGraph;
}

interface WeightSource {
  readonly config: TransformerConfig;
  weights: NamedTensors;
  readonly mode: LiveWeightsMode;
  readonly precision: WeightPrecision;
  readonly operators: 'standard' | 'onnxruntime';
}

/** File names tried, in order, when a directory is given. */
const MODEL_FILE_NAMES = ['model.onnx', 'decoder_model_merged.onnx'];

/** The model file inside an exported directory, or undefined. */
export function findOnnxModelFile(directory: string): string | undefined {
  for (const name of MODEL_FILE_NAMES) {
    const candidate = path.join(directory, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * A causal LM running on onnxruntime-node: implements core's `CausalLMV1` (log-probs,
 * logits, incremental decoding with a real KV cache, left padding) over any decoder ONNX
 * model in the Optimum layout, and refreshes its weights for PPO with `updateWeights`.
 * Create with `createOrtCausalLM` or `createOrtCausalLMFromWeights`.
 */
export class OrtCausalLM implements CausalLMV1 {
  /** Contract version. */
  readonly specificationVersion = 'v1' as const;
  /** Identifies the model in logs. */
  readonly modelId: string;
  /** Architecture. */
  readonly config: TransformerConfig;
  /** Inputs/outputs of the loaded graph. */
  readonly layout: DecoderLayout;
  /** `tokenizer.json` beside the model when there is one (load it with `@instructkit/tokenizer`). */
  readonly tokenizerPath: string | undefined;
  private session: ort.InferenceSession;
  private readonly sessionSettings: OrtSessionSettings;
  private readonly source: WeightSource | undefined;
  private weightFeeds: Record<string, ort.Tensor> = {};

  /** @internal Weight feeds of a `liveWeights: 'inputs'` model (empty otherwise). */
  get weightFeedsForRun(): Record<string, ort.Tensor> {
    return this.weightFeeds;
  }
  /** The graph decoding runs besides the shared one (`build` gives undefined when there is nothing to prune). */
  private readonly decodingModel: DecodingModel | undefined;
  /** The session over the decoding graph: created on the first decoding, null when decoding uses `session`. */
  private decodingSession: Promise<ort.InferenceSession | null> | undefined;
  /** The session over the in-place one-token graph (`in-place` decoding): created on the first decoding. */
  private stepSession: Promise<ort.InferenceSession> | undefined;

  /** @internal Use the factories. */
  constructor(init: {
    session: ort.InferenceSession;
    config: TransformerConfig;
    layout: DecoderLayout;
    modelId: string;
    sessionSettings: OrtSessionSettings;
    source?: WeightSource;
    tokenizerPath?: string;
    decodingModel?: DecodingModel;
  }) {
    this.tokenizerPath = init.tokenizerPath;
    this.session = init.session;
    this.config = init.config;
    this.layout = init.layout;
    this.modelId = init.modelId;
    this.sessionSettings = init.sessionSettings;
    this.source = init.source;
    if (this.source?.mode === 'inputs') this.weightFeeds = weightTensors(this.source.weights);
    this.decodingModel = init.layout.hasLastLogits ? init.decodingModel : undefined;
  }

  private openDecodingSession(model: DecodingModel): Promise<ort.InferenceSession | null> {
    this.decodingSession ??= model.build().then((bytes) => (bytes ? ort.InferenceSession.create(bytes, toSessionOptions(this.sessionSettings)) : null));
    return this.decodingSession;
  }

  /** The session that prompts (and Optimum-layout steps) run: the pruned graph's (created on first use), else the shared one. */
  private async sessionForDecoding(): Promise<ort.InferenceSession> {
    if (!this.decodingModel) return this.session;
    return (await this.openDecodingSession(this.decodingModel)) ?? this.session;
  }

  /** @internal The in-place step graph's session (created on first use), or undefined when this model decodes otherwise. */
  inPlaceStepSession(): Promise<ort.InferenceSession> | undefined {
    const build = this.decodingModel?.buildStep;
    if (!build || this.layout.cacheType !== 'float32') return undefined;
    this.stepSession ??= build().then((bytes) => ort.InferenceSession.create(bytes, toSessionOptions(this.sessionSettings)));
    return this.stepSession;
  }

  /** Which graph decodes: `in-place`, `pruned` or `full` (the shared graph). */
  get decodingGraph(): DecodingGraph {
    return this.decodingModel?.kind ?? 'full';
  }

  /** Pad id used for padding rows and finished rows. */
  get padTokenId(): number {
    return this.config.padTokenId ?? this.config.eosTokenId ?? 0;
  }

  /**
   * Replaces the parameters PPO samples from. With `liveWeights: 'inputs'` the new buffers
   * are fed from the next run on (no copy and no session rebuild: do not modify the arrays
   * afterwards); with `reexport` the graph is re-serialised with the new weights and the session
   * recreated. Call it between generations, not while one is running: a decoding session in
   * progress would continue on the new weights from its next step.
   *
   * @param parameters Hugging Face-named parameters (a `transformer.` prefix is accepted); the
   *   ones not given keep their current values.
   * @throws InvalidArgumentError when the model was loaded from a file (its weights are not held
   *   in memory), or a name is unknown or a shape differs (`parameters.h.9.ln_1.weight: ...`).
   */
  async updateWeights(parameters: NamedTensors): Promise<void> {
    const source = this.source;
    if (!source) {
      throw new InvalidArgumentError('updateWeights', `${this.modelId} was loaded from a file; create it with createOrtCausalLMFromWeights to refresh weights`);
    }
    const merged = new Map(source.weights);
    for (const [name, tensor] of parameters) {
      const key = merged.has(name) ? name : name.startsWith('transformer.') && merged.has(name.slice(12)) ? name.slice(12) : undefined;
      if (!key) throw new InvalidArgumentError(`parameters.${name}`, 'is not a parameter of this model');
      const existing = merged.get(key)!;
      if (existing.shape.join('x') !== tensor.shape.join('x')) {
        throw new InvalidArgumentError(`parameters.${name}`, `shape [${tensor.shape.join(', ')}] differs from [${existing.shape.join(', ')}]`);
      }
      merged.set(key, { dtype: 'float32', shape: tensor.shape, data: toFloat32(tensor) });
    }
    source.weights = merged;
    if (source.mode === 'inputs') {
      this.weightFeeds = weightTensors(merged);
      return;
    }
    const { graph } = buildGpt2Graph({ config: source.config, weights: merged, head: 'lm', precision: source.precision, operators: source.operators });
    const next = await ort.InferenceSession.create(graph.toModel(), toSessionOptions(this.sessionSettings));
    const previous = this.session;
    this.session = next;
    await previous.release();
    // A decoding session in use is rebuilt now, so the refresh cost stays out of the next generation.
    const previousDecoding = this.decodingSession;
    if (previousDecoding) {
      this.decodingSession = undefined;
      await (await previousDecoding)?.release();
      await this.openDecodingSession(this.decodingModel!);
    }
    const previousStep = this.stepSession;
    if (previousStep) {
      this.stepSession = undefined;
      await (await previousStep).release();
      await this.inPlaceStepSession();
    }
  }

  /** Releases the onnxruntime sessions. */
  async dispose(): Promise<void> {
    await this.session.release();
    const decoding = this.decodingSession;
    const step = this.stepSession;
    this.decodingSession = undefined;
    this.stepSession = undefined;
    await (await decoding)?.release();
    await (await step)?.release();
  }

  private checkBatch(batch: TokenBatch, field: string): void {
    const size = batch.batchSize * batch.length;
    if (batch.ids.length !== size || batch.attentionMask.length !== size) {
      throw new InvalidArgumentError(field, `ids/attentionMask hold ${batch.ids.length}/${batch.attentionMask.length} values, expected ${batch.batchSize} x ${batch.length}`);
    }
    for (let index = 0; index < batch.ids.length; index++) {
      const id = batch.ids[index]!;
      if (id < 0 || id >= this.config.vocabSize) {
        const row = Math.floor(index / batch.length);
        throw new InvalidArgumentError(`${field}.ids[${row}][${index % batch.length}]`, `token id ${id} is outside the vocabulary (0..${this.config.vocabSize - 1})`);
      }
    }
    if (batch.length > this.config.contextLength) {
      throw new InvalidArgumentError(`${field}.length`, `${batch.length} exceeds the context length ${this.config.contextLength}`);
    }
  }

  private emptyCache(batchSize: number): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    const { numLayers, numKeyValueHeads, headDim, cacheType } = this.layout;
    for (let layer = 0; layer < numLayers; layer++) {
      for (const kind of ['key', 'value']) {
        const data = cacheType === 'float16' ? new Uint16Array(0) : new Float32Array(0);
        feeds[`past_key_values.${layer}.${kind}`] = new ort.Tensor(cacheType, data, [batchSize, numKeyValueHeads, 0, headDim]);
      }
    }
    return feeds;
  }

  /** @internal Runs the graph on tokens with the given cache and mask (used by the decoding sessions). */
  async run(
    ids: ArrayLike<number>,
    mask: ArrayLike<number>,
    positions: ArrayLike<number>,
    batchSize: number,
    length: number,
    cache: Record<string, ort.Tensor>,
    pastLength: number,
    fetch: 'decode' | 'logits' | 'logprobs' | 'logprobs+entropy' = 'decode',
    presents?: CacheBuffers,
  ): Promise<ort.InferenceSession.OnnxValueMapType> {
    const { indexType } = this.layout;
    const feeds: Record<string, ort.Tensor> = {
      ...this.weightFeeds,
      ...cache,
      input_ids: indexTensor(indexType, ids, [batchSize, length]),
      attention_mask: indexTensor(indexType, mask, [batchSize, pastLength + length]),
    };
    if (this.layout.hasPositionIds) feeds.position_ids = indexTensor(indexType, positions, [batchSize, length]);
    if (this.layout.hasUseCacheBranch) feeds.use_cache_branch = new ort.Tensor('bool', Uint8Array.of(pastLength > 0 ? 1 : 0), [1]);
    // Fetch only what is used: onnxruntime then skips the unembedding of every prompt position
    // while decoding (last_logits), and does not copy the cache out for full-sequence scoring.
    if (fetch === 'logits') return this.session.run(feeds, ['logits']);
    if (fetch === 'logprobs') return this.session.run(feeds, ['token_logprobs']);
    if (fetch === 'logprobs+entropy') return this.session.run(feeds, ['token_logprobs', 'token_entropy']);
    const session = await this.sessionForDecoding();
    if (presents) {
      // onnxruntime writes the new cache straight into our buffers instead of allocating it and
      // copying it out to JavaScript (measured: a third of a batch-8 step on the 4M model).
      const fetches: Record<string, ort.Tensor | null> = { [this.layout.hasLastLogits ? 'last_logits' : 'logits']: null };
      Object.assign(fetches, presents.presentTensors(batchSize, pastLength + length));
      return session.run(feeds, fetches);
    }
    return session.run(feeds, this.decodingFetches);
  }

  /** Outputs fetched while decoding: the last position's logits and the cache. */
  private get decodingFetches(): string[] {
    const names = [this.layout.hasLastLogits ? 'last_logits' : 'logits'];
    for (let layer = 0; layer < this.layout.numLayers; layer++) names.push(`present.${layer}.key`, `present.${layer}.value`);
    return names;
  }

  private async forward(batch: TokenBatch): Promise<Float32Array> {
    const positions = positionIdsFromMask(batch.attentionMask, batch.batchSize, batch.length);
    const outputs = await this.run(batch.ids, batch.attentionMask, positions, batch.batchSize, batch.length, this.emptyCache(batch.batchSize), 0, 'logits');
    return outputAsFloat32(outputs.logits as ort.Tensor);
  }

  /** Logits of every position, `[batchSize, length, vocabSize]`. */
  async doLogits(request: LogitsRequest): Promise<LogitsResult> {
    this.checkBatch(request.batch, 'batch');
    return { logits: await this.forward(request.batch) };
  }

  /**
   * Per-token log-probs (and entropy) of the given sequences. An entry is 0 where its target or its
   * context position is padding (so the first real token of a left-padded row, which has no real
   * context, gets 0 as it has no entry in a right-padded row).
   */
  async doLogprobs(request: LogprobsRequest): Promise<LogprobsResult> {
    const { batch } = request;
    this.checkBatch(batch, 'batch');
    const steps = Math.max(0, batch.length - 1);
    const logprobs = new Float32Array(batch.batchSize * steps);
    const entropy = request.includeEntropy ? new Float32Array(batch.batchSize * steps) : undefined;
    if (steps === 0) return entropy ? { logprobs, entropy } : { logprobs };
    const scored = (row: number, step: number) => batch.attentionMask[row * batch.length + step + 1] && batch.attentionMask[row * batch.length + step];
    if (this.layout.hasTokenLogprobs) {
      const positions = positionIdsFromMask(batch.attentionMask, batch.batchSize, batch.length);
      const outputs = await this.run(batch.ids, batch.attentionMask, positions, batch.batchSize, batch.length, this.emptyCache(batch.batchSize), 0, entropy ? 'logprobs+entropy' : 'logprobs');
      const graphLogprobs = outputAsFloat32(outputs.token_logprobs as ort.Tensor);
      const graphEntropy = entropy ? outputAsFloat32(outputs.token_entropy as ort.Tensor) : undefined;
      for (let row = 0; row < batch.batchSize; row++) {
        for (let step = 0; step < steps; step++) {
          if (!scored(row, step)) continue;
          logprobs[row * steps + step] = graphLogprobs[row * steps + step]!;
          if (entropy) entropy[row * steps + step] = graphEntropy![row * steps + step]!;
        }
      }
      return entropy ? { logprobs, entropy } : { logprobs };
    }
    // Foreign graphs: log-softmax of the full logits in JavaScript.
    const logits = await this.forward(batch);
    const vocab = this.config.vocabSize;
    for (let row = 0; row < batch.batchSize; row++) {
      for (let step = 0; step < steps; step++) {
        if (!scored(row, step)) continue;
        const target = row * batch.length + step + 1;
        const offset = (row * batch.length + step) * vocab;
        let max = -Infinity;
        for (let token = 0; token < vocab; token++) max = Math.max(max, logits[offset + token]!);
        let sum = 0;
        let weighted = 0;
        for (let token = 0; token < vocab; token++) {
          const shifted = logits[offset + token]! - max;
          const probability = Math.exp(shifted);
          sum += probability;
          weighted += probability * shifted;
        }
        const logSum = Math.log(sum);
        logprobs[row * steps + step] = logits[offset + batch.ids[target]!]! - max - logSum;
        if (entropy) entropy[row * steps + step] = logSum - weighted / sum;
      }
    }
    return entropy ? { logprobs, entropy } : { logprobs };
  }

  /** Runs the (left-padded) prompt and returns the session that decodes with the KV cache. */
  async doStartDecoding(request: StartDecodingRequest): Promise<StartDecodingResult> {
    const { batch, maxNewTokens } = request;
    this.checkBatch(batch, 'batch');
    if (this.layout.numLayers === 0) {
      throw new UnsupportedError(`${this.modelId} has no past_key_values inputs, so it cannot decode incrementally; export it with the KV cache (instructkit export-onnx, or Optimum's decoder_model_merged.onnx)`);
    }
    if (batch.length + maxNewTokens > this.config.contextLength) {
      throw new InvalidArgumentError('maxNewTokens', `prompt length ${batch.length} + ${maxNewTokens} new tokens exceed the context length ${this.config.contextLength}`);
    }
    const stepSession = await this.inPlaceStepSession();
    const positions = positionIdsFromMask(batch.attentionMask, batch.batchSize, batch.length);
    const { numLayers, numKeyValueHeads, headDim, cacheType } = this.layout;
    const buffers =
      !stepSession && cacheType === 'float32' && numLayers > 0 && numKeyValueHeads > 0 && headDim > 0
        ? new CacheBuffers(numLayers, batch.batchSize * numKeyValueHeads, headDim, batch.length + maxNewTokens, [numKeyValueHeads, headDim])
        : undefined;
    const outputs = await this.run(batch.ids, batch.attentionMask, positions, batch.batchSize, batch.length, this.emptyCache(batch.batchSize), 0, 'decode', buffers);
    const logitsTensor = (outputs.last_logits ?? outputs.logits) as ort.Tensor;
    const all = outputAsFloat32(logitsTensor);
    const vocab = this.config.vocabSize;
    // `last_logits` is [batch, vocab] (one kept position); foreign graphs give [batch, length, vocab].
    const kept = logitsTensor.dims.length === 2 ? 1 : logitsTensor.dims[1]!;
    const logits = new Float32Array(batch.batchSize * vocab);
    for (let row = 0; row < batch.batchSize; row++) {
      logits.set(all.subarray(((row + 1) * kept - 1) * vocab, (row + 1) * kept * vocab), row * vocab);
    }
    const realTokens = new Int32Array(batch.batchSize);
    for (let row = 0; row < batch.batchSize; row++) {
      for (let column = 0; column < batch.length; column++) realTokens[row] += batch.attentionMask[row * batch.length + column]!;
    }
    if (stepSession) {
      const cache = new InPlaceCache(this.layout, batch, batch.length + maxNewTokens, outputs);
      return { logits, session: new OrtInPlaceDecodeSession(this, cache, realTokens) };
    }
    const cache = buffers ? buffers.pastTensors(batch.batchSize, batch.length) : presentsToPasts(outputs, numLayers);
    buffers?.swap();
    const session = new OrtDecodeSession(this, batch, realTokens, cache, buffers);
    return { logits, session };
  }
}

/** The extra graphs a model decodes on, built on first use: the prompt's (pruned) and, for `in-place`, the step's. */
interface DecodingModel {
  readonly kind: 'in-place' | 'pruned';
  /** The pruned graph (undefined when there is nothing to prune). */
  readonly build: () => Promise<Uint8Array | undefined>;
  /** The in-place one-token graph. */
  readonly buildStep?: () => Promise<Uint8Array>;
}

/** Float32 with the most negative finite value: the bias of cache positions a token must not see. */
const MASKED_BIAS = -3.4028234663852886e38;

/**
 * The KV cache of an in-place decoding session: one buffer per cache tensor, `[batch, heads,
 * capacity, headDim]`, fed to every step as is, and the additive bias over its positions. The
 * prompt's keys and values fill positions 0..promptLength-1 (left-padded as the prompt), each step
 * appends one position to every row.
 */
class InPlaceCache {
  readonly capacity: number;
  /** Positions written so far. */
  length: number;
  private readonly rowsTimesHeads: number;
  private readonly headDim: number;
  private readonly numLayers: number;
  readonly past: Record<string, ort.Tensor> = {};
  private readonly bias: Float32Array;
  readonly biasTensor: ort.Tensor;

  constructor(layout: DecoderLayout, prompt: TokenBatch, capacity: number, promptOutputs: ort.InferenceSession.OnnxValueMapType) {
    const { numLayers, numKeyValueHeads, headDim } = layout;
    const rows = prompt.batchSize;
    this.capacity = capacity;
    this.length = prompt.length;
    this.numLayers = numLayers;
    this.rowsTimesHeads = rows * numKeyValueHeads;
    this.headDim = headDim;
    const span = prompt.length * headDim;
    for (let layer = 0; layer < numLayers; layer++) {
      for (const kind of ['key', 'value']) {
        const data = new Float32Array(this.rowsTimesHeads * capacity * headDim);
        const present = outputAsFloat32(promptOutputs[`present.${layer}.${kind}`] as ort.Tensor);
        for (let row = 0; row < this.rowsTimesHeads; row++) data.set(present.subarray(row * span, (row + 1) * span), row * capacity * headDim);
        this.past[`past_key_values.${layer}.${kind}`] = new ort.Tensor('float32', data, [rows, numKeyValueHeads, capacity, headDim]);
      }
    }
    this.bias = new Float32Array(rows * capacity).fill(MASKED_BIAS);
    for (let row = 0; row < rows; row++) {
      for (let column = 0; column < prompt.length; column++) {
        if (prompt.attentionMask[row * prompt.length + column]) this.bias[row * capacity + column] = 0;
      }
    }
    this.biasTensor = new ort.Tensor('float32', this.bias, [rows, 1, 1, capacity]);
  }

  /** Writes a step's `new_key_values.*` at the next position and lets later steps see it. */
  append(outputs: ort.InferenceSession.OnnxValueMapType): void {
    const column = this.length;
    const { headDim, capacity } = this;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (const kind of ['key', 'value']) {
        const fresh = outputAsFloat32(outputs[`new_key_values.${layer}.${kind}`] as ort.Tensor);
        const data = this.past[`past_key_values.${layer}.${kind}`]!.data as Float32Array;
        for (let row = 0; row < this.rowsTimesHeads; row++) data.set(fresh.subarray(row * headDim, (row + 1) * headDim), (row * capacity + column) * headDim);
      }
    }
    for (let row = 0; row < this.bias.length / capacity; row++) this.bias[row * capacity + column] = 0;
    this.length += 1;
  }
}

/** Incremental decoding on the in-place step graph: the cache buffers are read by each step, and only the new position is written. */
class OrtInPlaceDecodeSession implements DecodeSession {
  readonly batchSize: number;
  private readonly model: OrtCausalLM;
  private cache: InPlaceCache | undefined;
  private readonly realTokens: Int32Array;
  private readonly fetches: string[];

  constructor(model: OrtCausalLM, cache: InPlaceCache, realTokens: Int32Array) {
    this.model = model;
    this.cache = cache;
    this.batchSize = realTokens.length;
    this.realTokens = realTokens;
    this.fetches = ['last_logits'];
    for (let layer = 0; layer < model.layout.numLayers; layer++) this.fetches.push(`new_key_values.${layer}.key`, `new_key_values.${layer}.value`);
  }

  async step(tokens: Int32Array): Promise<Float32Array> {
    const cache = checkStep(this.cache, tokens, this.batchSize, (this.cache?.length ?? 0) + 1, this.model.config.contextLength);
    checkCapacity(cache.capacity, cache.length + 1);
    const ids = new BigInt64Array(this.batchSize);
    const positions = new BigInt64Array(this.batchSize);
    for (let row = 0; row < this.batchSize; row++) {
      ids[row] = BigInt(tokens[row]!);
      positions[row] = BigInt(this.realTokens[row]!);
      this.realTokens[row]! += 1;
    }
    const feeds: Record<string, ort.Tensor> = {
      ...this.model.weightFeedsForRun,
      ...cache.past,
      input_ids: new ort.Tensor('int64', ids, [this.batchSize, 1]),
      position_ids: new ort.Tensor('int64', positions, [this.batchSize, 1]),
      attention_bias: cache.biasTensor,
    };
    // The model's current step session: after `updateWeights` the next step runs on the new weights.
    const session = await this.model.inPlaceStepSession()!;
    const outputs = await session.run(feeds, this.fetches);
    cache.append(outputs);
    return outputAsFloat32(outputs.last_logits as ort.Tensor);
  }

  dispose(): void {
    this.cache = undefined;
  }
}

/** What every decoding step checks: the session is open, one token per row, the context not exceeded. */
function checkStep<T>(cache: T | undefined, tokens: Int32Array, batchSize: number, nextLength: number, contextLength: number): T {
  if (!cache) throw new InvalidArgumentError('session', 'the decoding session was disposed');
  if (tokens.length !== batchSize) throw new InvalidArgumentError('tokens', `${tokens.length} tokens for ${batchSize} rows`);
  if (nextLength > contextLength) throw new InvalidArgumentError('tokens', `the sequence would exceed the context length ${contextLength}`);
  return cache;
}

/** A step past the positions a session's cache buffers were sized for (prompt + maxNewTokens). */
function checkCapacity(capacity: number, length: number): void {
  if (length > capacity) {
    throw new InvalidArgumentError('tokens', `the session was started for ${capacity} positions (prompt + maxNewTokens); step ${length} is past it`);
  }
}

/**
 * Two preallocated buffers per cache tensor, used in turn: a step reads the past from one and
 * onnxruntime writes the present (past + 1 position, contiguous `[batch, heads, length, headDim]`)
 * into the other. No allocation or copy per step.
 */
class CacheBuffers {
  private readonly numLayers: number;
  private readonly rowsTimesHeads: number;
  private readonly headDim: number;
  private readonly dims: readonly [number, number];
  private readonly capacity: number;
  private readonly buffers: [Float32Array[], Float32Array[]];
  private current = 0;

  constructor(numLayers: number, rowsTimesHeads: number, headDim: number, capacity: number, dims: readonly [number, number]) {
    this.numLayers = numLayers;
    this.rowsTimesHeads = rowsTimesHeads;
    this.headDim = headDim;
    this.dims = dims;
    this.capacity = capacity;
    const make = () => Array.from({ length: 2 * numLayers }, () => new Float32Array(rowsTimesHeads * capacity * headDim));
    this.buffers = [make(), make()];
  }

  private tensors(set: Float32Array[], prefix: string, batchSize: number, length: number): Record<string, ort.Tensor> {
    const tensors: Record<string, ort.Tensor> = {};
    const size = this.rowsTimesHeads * length * this.headDim;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (const [offset, kind] of [[0, 'key'], [1, 'value']] as const) {
        const view = set[2 * layer + offset]!.subarray(0, size);
        tensors[`${prefix}.${layer}.${kind}`] = new ort.Tensor('float32', view, [batchSize, this.dims[0], length, this.dims[1]]);
      }
    }
    return tensors;
  }

  /** Output tensors `present.{i}.key|value` of `length` positions in the buffer being written. */
  presentTensors(batchSize: number, length: number): Record<string, ort.Tensor> {
    checkCapacity(this.capacity, length);
    return this.tensors(this.buffers[this.current]!, 'present', batchSize, length);
  }

  /** Input tensors `past_key_values.{i}.key|value` over what the last step wrote (call before `swap`). */
  pastTensors(batchSize: number, length: number): Record<string, ort.Tensor> {
    return this.tensors(this.buffers[this.current]!, 'past_key_values', batchSize, length);
  }

  /** The buffer just written becomes the past; the other one receives the next present. */
  swap(): void {
    this.current = 1 - this.current;
  }
}

/** Outputs the decoding graph keeps: the last position's logits and the cache. */
function isDecodingOutput(name: string): boolean {
  return name === 'last_logits' || name.startsWith('present.');
}

function presentsToPasts(outputs: ort.InferenceSession.OnnxValueMapType, numLayers: number): Record<string, ort.Tensor> {
  const cache: Record<string, ort.Tensor> = {};
  for (let layer = 0; layer < numLayers; layer++) {
    cache[`past_key_values.${layer}.key`] = outputs[`present.${layer}.key`] as ort.Tensor;
    cache[`past_key_values.${layer}.value`] = outputs[`present.${layer}.value`] as ort.Tensor;
  }
  return cache;
}

function weightTensors(weights: NamedTensors): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, tensor] of weights) feeds[name] = new ort.Tensor('float32', toFloat32(tensor), [...tensor.shape]);
  return feeds;
}

/** Incremental decoding over onnxruntime: each step feeds the previous `present` tensors back as `past_key_values`. */
class OrtDecodeSession implements DecodeSession {
  readonly batchSize: number;
  private readonly model: OrtCausalLM;
  private mask: Uint8Array;
  private length: number;
  private readonly realTokens: Int32Array;
  private cache: Record<string, ort.Tensor> | undefined;
  private readonly buffers: CacheBuffers | undefined;

  constructor(model: OrtCausalLM, prompt: TokenBatch, realTokens: Int32Array, cache: Record<string, ort.Tensor>, buffers: CacheBuffers | undefined) {
    this.buffers = buffers;
    this.model = model;
    this.batchSize = prompt.batchSize;
    this.length = prompt.length;
    this.mask = Uint8Array.from(prompt.attentionMask);
    this.realTokens = realTokens;
    this.cache = cache;
  }

  async step(tokens: Int32Array): Promise<Float32Array> {
    const cache = checkStep(this.cache, tokens, this.batchSize, this.length + 1, this.model.config.contextLength);
    const nextLength = this.length + 1;
    const mask = new Uint8Array(this.batchSize * nextLength);
    const positions = new Int32Array(this.batchSize);
    for (let row = 0; row < this.batchSize; row++) {
      mask.set(this.mask.subarray(row * this.length, (row + 1) * this.length), row * nextLength);
      mask[row * nextLength + this.length] = 1;
      positions[row] = this.realTokens[row]!;
      this.realTokens[row]! += 1;
    }
    const outputs = await this.model.run(tokens, mask, positions, this.batchSize, 1, cache, this.length, 'decode', this.buffers);
    this.mask = mask;
    this.length = nextLength;
    if (this.buffers) {
      this.cache = this.buffers.pastTensors(this.batchSize, nextLength);
      this.buffers.swap();
    } else {
      this.cache = presentsToPasts(outputs, this.model.layout.numLayers);
    }
    return outputAsFloat32((outputs.last_logits ?? outputs.logits) as ort.Tensor);
  }

  dispose(): void {
    this.cache = undefined;
  }
}

/**
 * Loads a decoder ONNX model (ours or any export in the Hugging Face Optimum layout) into
 * onnxruntime-node.
 *
 * @example
 * const model = await createOrtCausalLM({ directory: 'out/policy-onnx', sessionOptions: { intraOpThreads: 2 } });
 * const { sequences } = await generate({ model, prompts: [ids], sampling: { maxNewTokens: 32 } });
 * @throws CheckpointError when no model file is found; InvalidFileError when the graph is not a decoder.
 */
export async function createOrtCausalLM(settings: OrtCausalLMSettings): Promise<OrtCausalLM> {
  const sources = [settings.path, settings.directory, settings.model].filter((value) => value !== undefined);
  if (sources.length !== 1) throw new InvalidArgumentError('settings', 'give exactly one of path, directory or model');
  let modelPath = settings.path;
  const directory = settings.directory ?? (settings.path ? path.dirname(settings.path) : undefined);
  if (settings.directory) {
    modelPath = findOnnxModelFile(settings.directory);
    if (!modelPath) throw new CheckpointError(settings.directory, `no ${MODEL_FILE_NAMES.join(' / ')} in the directory`);
  }
  if (modelPath && !existsSync(modelPath)) throw new CheckpointError(modelPath, 'file not found');
  const sessionSettings = settings.sessionOptions ?? {};
  const session = modelPath
    ? await ort.InferenceSession.create(modelPath, toSessionOptions(sessionSettings))
    : await ort.InferenceSession.create(settings.model!, toSessionOptions(sessionSettings));
  const file = modelPath ?? '<model bytes>';
  const layout = readDecoderLayout(session, file);
  const config =
    settings.config ??
    (directory && existsSync(path.join(directory, 'config.json')) ? await loadModelConfig(directory) : configFromLayout(layout, file));
  const tokenizerPath = directory && existsSync(path.join(directory, 'tokenizer.json')) ? path.join(directory, 'tokenizer.json') : undefined;
  const bytes = async () => (modelPath ? await readFile(modelPath) : settings.model!);
  let decodingModel: DecodingModel | undefined =
    settings.decodingGraph === 'full' ? undefined : { kind: 'pruned', build: async () => pruneModelOutputs(await bytes(), isDecodingOutput) };
  // Our own float exports carry the Hugging Face-named weights: the in-place step graph can be built from them.
  if (decodingModel && chooseDecodingGraph(settings.decodingGraph, config, sessionSettings) === 'in-place' && layout.hasLastLogits) {
    let stepModel = inPlaceStepModel(config, await bytes());
    if (stepModel) {
      decodingModel = {
        kind: 'in-place',
        build: decodingModel.build,
        buildStep: async () => {
          const built = stepModel!;
          stepModel = undefined; // the session keeps what it needs
          return built;
        },
      };
    }
  }
  return new OrtCausalLM({ session, config, layout, modelId: settings.modelId ?? modelPath ?? 'onnx:in-memory', sessionSettings, tokenizerPath, decodingModel });
}

/**
 * Exports GPT-2 weights held in memory to an ONNX graph and loads it, ready for
 * `updateWeights` between PPO iterations.
 *
 * @example
 * const policy = await createOrtCausalLMFromWeights({ config, weights: await model.doGetParameters() });
 * // ... after each PPO update:
 * await policy.updateWeights(await model.doGetParameters());
 */
export async function createOrtCausalLMFromWeights(settings: OrtCausalLMFromWeightsSettings): Promise<OrtCausalLM> {
  const mode = settings.liveWeights ?? 'reexport';
  const precision = settings.precision ?? 'float32';
  const operators = settings.operators ?? 'standard';
  const weights = new Map<string, NamedTensors extends Map<string, infer T> ? T : never>();
  for (const [name, tensor] of settings.weights) {
    weights.set(name.startsWith('transformer.') ? name.slice(12) : name, tensor);
  }
  const { graph } = buildGpt2Graph({ config: settings.config, weights, head: 'lm', precision, operators, weightsAsInputs: mode === 'inputs' });
  const sessionSettings = settings.sessionOptions ?? {};
  const session = await ort.InferenceSession.create(graph.toModel(), toSessionOptions(sessionSettings));
  const layout = readDecoderLayout(session, '<exported graph>');
  const source: WeightSource = { config: settings.config, weights, mode, precision, operators };
  const kind = chooseDecodingGraph(settings.decodingGraph, settings.config, sessionSettings);
  const build = (kvCache: 'concat' | 'in-place') => buildGpt2Graph({ config: source.config, weights: source.weights, head: 'lm', precision, operators, weightsAsInputs: mode === 'inputs', kvCache }).graph;
  return new OrtCausalLM({
    session,
    config: settings.config,
    layout,
    modelId: settings.modelId ?? 'onnx:gpt2',
    sessionSettings,
    source,
    decodingModel:
      kind === 'full'
        ? undefined
        : {
            kind,
            build: async () => encodeModelProto(pruneSpecOutputs(build('concat').toSpec(), isDecodingOutput)),
            ...(kind === 'in-place' ? { buildStep: async () => build('in-place').toModel() } : {}),
          },
  });
}

/**
 * The in-place step graph of a float file this package exported, built from the weights read back
 * from its initializers; undefined for other files, and for ours without every float weight the
 * graph needs (int8 stores quantised ones under other names).
 */
function inPlaceStepModel(config: TransformerConfig, bytes: Uint8Array): Uint8Array | undefined {
  const tensors = readOwnFloatInitializers(bytes);
  if (!tensors) return undefined;
  const weights: NamedTensors = new Map();
  for (const [name, { shape, data }] of tensors) weights.set(name, { dtype: 'float32', shape, data });
  try {
    return buildGpt2Graph({ config, weights, head: 'lm', kvCache: 'in-place' }).graph.toModel();
  } catch {
    return undefined;
  }
}

/**
 * The decoding graph a model built from weights uses: `in-place` (asked for or by default) on the
 * CPU provider — with CUDA the cache buffers would cross to the device every step (not measured:
 * no GPU here) — else `pruned`.
 * @internal
 */
export function chooseDecodingGraph(requested: DecodingGraph | undefined, config: TransformerConfig, settings: OrtSessionSettings): DecodingGraph {
  if (requested === 'full' || requested === 'pruned') return requested;
  const providers = settings.executionProviders ?? selectExecutionProviders();
  return config.architecture === 'gpt2' && !providers.includes('cuda') ? 'in-place' : 'pruned';
}
