import type { CausalLMV1, DecodeSession } from './causal-lm';
import { createRng, type Rng } from './create-rng';
import { InvalidArgumentError } from './errors';
import type { FinishReason, GeneratedSequence, GenerateRequest, GenerateResult, GeneratorV1, SamplingOptions } from './generator';
import { applyRepetitionPenalty, applyTemperature, applyTopK, applyTopP, argmax, sampleFromLogits, tokenLogprob } from './logits-processors';

/** Settings of `generate`: a request plus the model that runs it. */
export interface GenerateSettings extends GenerateRequest {
  /** The model that computes next-token logits. */
  readonly model: CausalLMV1;
  /**
   * Token fed as padding (left of short prompts, and to rows that already finished).
   * Default: the model's `padTokenId`, else its `eosTokenId`, else 0.
   */
  readonly padTokenId?: number;
}

/** Sampling options with every default filled in. */
interface ResolvedSampling {
  readonly maxNewTokens: number;
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly repetitionPenalty: number;
  readonly eosTokenIds: ReadonlySet<number>;
  readonly stopSequences: readonly (readonly number[])[];
  readonly seed: number;
}

function resolveSampling(sampling: SamplingOptions, model: CausalLMV1): ResolvedSampling {
  const maxNewTokens = sampling.maxNewTokens ?? 64;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) throw new InvalidArgumentError('sampling.maxNewTokens', `must be a non-negative integer, got ${maxNewTokens}`);
  const temperature = sampling.temperature ?? 1;
  if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new InvalidArgumentError('sampling.temperature', `must be a number >= 0, got ${temperature}`);
  const topK = sampling.topK ?? 0;
  if (!Number.isInteger(topK) || topK < 0) throw new InvalidArgumentError('sampling.topK', `must be a non-negative integer, got ${topK}`);
  const topP = sampling.topP ?? 1;
  if (!(topP > 0 && topP <= 1)) throw new InvalidArgumentError('sampling.topP', `must be in (0, 1], got ${topP}`);
  const repetitionPenalty = sampling.repetitionPenalty ?? 1;
  if (!(repetitionPenalty > 0) || !Number.isFinite(repetitionPenalty)) {
    throw new InvalidArgumentError('sampling.repetitionPenalty', `must be a positive number, got ${repetitionPenalty}`);
  }
  const vocabSize = model.config.vocabSize;
  const eosTokenIds = sampling.eosTokenIds ?? (model.config.eosTokenId === undefined ? [] : [model.config.eosTokenId]);
  eosTokenIds.forEach((id, index) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new InvalidArgumentError(`sampling.eosTokenIds[${index}]`, `${id} is not a token id of a ${vocabSize}-token vocabulary`);
  });
  const stopSequences = sampling.stopSequences ?? [];
  stopSequences.forEach((sequence, index) => {
    if (sequence.length === 0) throw new InvalidArgumentError(`sampling.stopSequences[${index}]`, 'is empty');
  });
  const seed = sampling.seed ?? 0;
  if (!Number.isInteger(seed)) throw new InvalidArgumentError('sampling.seed', `must be an integer, got ${seed}`);
  return { maxNewTokens, temperature, topK, topP, repetitionPenalty, eosTokenIds: new Set(eosTokenIds), stopSequences, seed };
}

function endsWith(tokens: readonly number[], suffix: readonly number[]): boolean {
  if (suffix.length > tokens.length) return false;
  const offset = tokens.length - suffix.length;
  for (let index = 0; index < suffix.length; index++) if (tokens[offset + index] !== suffix[index]) return false;
  return true;
}

/** State of one row while its batch decodes. */
interface RowState {
  readonly promptIds: Int32Array;
  readonly rng: Rng;
  readonly completion: number[];
  readonly logprobs: number[];
  finishReason: FinishReason | undefined;
}

/** Picks the next token of one row and records the model's own log-prob of it. */
function chooseToken(row: RowState, rawLogits: Float32Array, sampling: ResolvedSampling): number {
  let token: number;
  if (sampling.temperature === 0 && sampling.repetitionPenalty === 1) {
    token = argmax(rawLogits);
  } else {
    // slice() copies natively (Float32Array.from iterates); the processors work in place.
    const scores = rawLogits.slice();
    if (sampling.repetitionPenalty !== 1) applyRepetitionPenalty(scores, [...row.promptIds, ...row.completion], sampling.repetitionPenalty);
    if (sampling.temperature === 0) {
      token = argmax(scores);
    } else {
      applyTemperature(scores, sampling.temperature);
      applyTopK(scores, sampling.topK);
      applyTopP(scores, sampling.topP);
      token = sampleFromLogits(scores, row.rng);
    }
  }
  // PPO needs log π(token) under the model itself, not under the warped sampling distribution.
  row.logprobs.push(tokenLogprob(rawLogits, token));
  row.completion.push(token);
  return token;
}

async function generateBatch(
  model: CausalLMV1,
  prompts: readonly Int32Array[],
  firstIndex: number,
  sampling: ResolvedSampling,
  padTokenId: number,
  signal: AbortSignal | undefined,
): Promise<GeneratedSequence[]> {
  const batchSize = prompts.length;
  const vocabSize = model.config.vocabSize;
  const length = Math.max(...prompts.map((prompt) => prompt.length));
  const ids = new Int32Array(batchSize * length).fill(padTokenId);
  const attentionMask = new Uint8Array(batchSize * length);
  prompts.forEach((prompt, row) => {
    // Left padding puts every row's last prompt token in the last column, where decoding continues.
    const offset = row * length + length - prompt.length;
    ids.set(prompt, offset);
    attentionMask.fill(1, offset, (row + 1) * length);
  });
  // One RNG stream per prompt: the same seed gives the same tokens however prompts are batched.
  const rows: RowState[] = prompts.map((prompt, row) => ({
    promptIds: prompt,
    rng: createRng(sampling.seed, firstIndex + row),
    completion: [],
    logprobs: [],
    finishReason: undefined,
  }));
  if (sampling.maxNewTokens === 0) return rows.map((row) => finish(row, 'length'));

  let session: DecodeSession | undefined;
  try {
    signal?.throwIfAborted();
    const start = await model.doStartDecoding({ batch: { batchSize, length, ids, attentionMask }, maxNewTokens: sampling.maxNewTokens });
    session = start.session;
    let logits = start.logits;
    for (let step = 0; step < sampling.maxNewTokens; step++) {
      if (logits.length !== batchSize * vocabSize) {
        throw new InvalidArgumentError('model', `returned ${logits.length} logits for ${batchSize} rows × ${vocabSize} tokens`);
      }
      const nextTokens = new Int32Array(batchSize).fill(padTokenId);
      rows.forEach((row, index) => {
        if (row.finishReason) return;
        const token = chooseToken(row, logits.subarray(index * vocabSize, (index + 1) * vocabSize), sampling);
        nextTokens[index] = token;
        if (sampling.eosTokenIds.has(token)) row.finishReason = 'eos';
        else if (sampling.stopSequences.some((sequence) => endsWith(row.completion, sequence))) row.finishReason = 'stop-sequence';
      });
      if (rows.every((row) => row.finishReason) || step === sampling.maxNewTokens - 1) break;
      signal?.throwIfAborted();
      logits = await session.step(nextTokens);
    }
  } finally {
    session?.dispose();
  }
  return rows.map((row) => finish(row, row.finishReason ?? 'length'));
}

function finish(row: RowState, finishReason: FinishReason): GeneratedSequence {
  return { promptIds: row.promptIds, completionIds: Int32Array.from(row.completion), logprobs: Float32Array.from(row.logprobs), finishReason };
}

/**
 * Completes prompts with a causal LM: the one sampling loop every engine reuses.
 * Prompts are decoded `batchSize` at a time, left-padded with an attention mask, through
 * `doStartDecoding` and `session.step` (the engine's KV cache). Each row applies, in order,
 * repetition penalty, temperature, top-k and top-p, then draws from its own seeded RNG
 * stream (argmax when `temperature` is 0), and stops on an EOS id, a stop sequence, or
 * `maxNewTokens`. `logprobs` hold the model's own log-probability of each chosen token,
 * before any of those transformations. Sessions are disposed even when decoding throws.
 *
 * @param settings - Model, prompts, sampling options, batch size, abort signal, pad id.
 * @returns One sequence per prompt, in prompt order.
 * @throws {InvalidArgumentError} empty prompts, out-of-vocabulary ids, bad sampling options,
 *   or a prompt that cannot fit `maxNewTokens` more tokens in the model's context.
 * @throws The signal's reason (an `AbortError`) when aborted between decoding steps.
 * @example
 * const { sequences } = await generate({
 *   model, prompts: [Int32Array.from([15496, 11])],
 *   sampling: { maxNewTokens: 32, temperature: 0.7, topP: 0.9, seed: 1 },
 * });
 */
export async function generate(settings: GenerateSettings): Promise<GenerateResult> {
  const { model, prompts, signal } = settings;
  const sampling = resolveSampling(settings.sampling ?? {}, model);
  const { vocabSize, contextLength } = model.config;
  const padTokenId = settings.padTokenId ?? model.config.padTokenId ?? model.config.eosTokenId ?? 0;
  if (!Number.isInteger(padTokenId) || padTokenId < 0 || padTokenId >= vocabSize) {
    throw new InvalidArgumentError('padTokenId', `${padTokenId} is not a token id of a ${vocabSize}-token vocabulary`);
  }
  const batchSize = settings.batchSize ?? Math.max(1, prompts.length);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError('batchSize', `must be a positive integer, got ${batchSize}`);
  prompts.forEach((prompt, index) => {
    if (!(prompt instanceof Int32Array)) throw new InvalidArgumentError(`prompts[${index}]`, 'must be an Int32Array of token ids');
    if (prompt.length === 0) throw new InvalidArgumentError(`prompts[${index}]`, 'is empty; start it with a BOS token');
    const bad = prompt.findIndex((id) => id < 0 || id >= vocabSize);
    if (bad >= 0) throw new InvalidArgumentError(`prompts[${index}][${bad}]`, `${prompt[bad]} is not a token id of a ${vocabSize}-token vocabulary`);
    if (prompt.length + sampling.maxNewTokens > contextLength) {
      throw new InvalidArgumentError(
        `prompts[${index}]`,
        `${prompt.length} tokens + sampling.maxNewTokens ${sampling.maxNewTokens} exceed the model's context of ${contextLength}`,
      );
    }
  });
  const sequences: GeneratedSequence[] = [];
  for (let first = 0; first < prompts.length; first += batchSize) {
    signal?.throwIfAborted();
    sequences.push(...(await generateBatch(model, prompts.slice(first, first + batchSize), first, sampling, padTokenId, signal)));
  }
  return { sequences };
}

/**
 * Wraps a `CausalLMV1` as a `GeneratorV1` running `generate` locally, so PPO and the
 * evals can swap it for a remote or onnxruntime generator.
 *
 * @param model - The model.
 * @param defaults - Sampling options used where a request leaves them out. Default: none.
 * @param padTokenId - See `GenerateSettings.padTokenId`.
 * @example
 * const generator = createLocalGenerator(policy, { maxNewTokens: 48, temperature: 1 });
 * const { sequences } = await generator.doGenerate({ prompts });
 */
export function createLocalGenerator(model: CausalLMV1, defaults: SamplingOptions = {}, padTokenId?: number): GeneratorV1 {
  return {
    specificationVersion: 'v1',
    modelId: model.modelId,
    doGenerate: (request) => generate({ ...request, model, padTokenId, sampling: { ...defaults, ...request.sampling } }),
  };
}
