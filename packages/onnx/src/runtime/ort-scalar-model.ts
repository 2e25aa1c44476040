import { existsSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  CheckpointError,
  InvalidArgumentError,
  InvalidFileError,
  loadModelConfig,
  type NamedTensors,
  type ScalarModelV1,
  type ScalarRequest,
  type ScalarResult,
  type TransformerConfig,
} from '@instructkit/core';
import { exportToOnnx } from '../export/export-onnx';
import { indexTensor, outputAsFloat32, positionIdsFromMask } from './feeds';
import { findOnnxModelFile } from './ort-causal-lm';
import { toSessionOptions, type OrtSessionSettings } from './session-settings';

/** Where `createOrtScalarModel` finds the model: exactly one of `path`, `directory`, `model` or `weights`. */
export interface OrtScalarModelSettings {
  /** Path of a scalar-model `.onnx` file. */
  readonly path?: string;
  /** Directory holding `model.onnx` and `config.json`. */
  readonly directory?: string;
  /** ONNX model bytes in memory. */
  readonly model?: Uint8Array;
  /** Hugging Face-named trunk + `score.weight` (`[1, hiddenSize]`) to export in memory (needs `config`). */
  readonly weights?: NamedTensors;
  /** Ops when exporting `weights`: `standard` or `onnxruntime` (fused contrib ops). Default: standard (see `OrtCausalLMFromWeightsSettings.operators`). */
  readonly operators?: 'standard' | 'onnxruntime';
  /** Architecture. Default: the `config.json` beside the model file (required for model bytes). */
  readonly config?: TransformerConfig;
  /** Identifies the model in logs. Default: the path. */
  readonly modelId?: string;
  /** onnxruntime session settings. */
  readonly sessionOptions?: OrtSessionSettings;
}

/**
 * A reward or value model on onnxruntime-node implementing core's `ScalarModelV1`.
 * Reads our exports (outputs `values` `[batch, seq]` and `scores` `[batch]`) and sequence-
 * classification exports with a single `logits` output `[batch, 1]` (`last` positions only).
 */
export class OrtScalarModel implements ScalarModelV1 {
  /** Contract version. */
  readonly specificationVersion = 'v1' as const;
  /** Identifies the model in logs. */
  readonly modelId: string;
  /** Trunk architecture. */
  readonly config: TransformerConfig;
  private readonly session: ort.InferenceSession;

  /** @internal Use `createOrtScalarModel`. */
  constructor(session: ort.InferenceSession, config: TransformerConfig, modelId: string) {
    this.session = session;
    this.config = config;
    this.modelId = modelId;
  }

  /** Scores at the last real token of each row (`last`) or per token (`all`, 0 at padding). */
  async doScore(request: ScalarRequest): Promise<ScalarResult> {
    const { batch } = request;
    const positionsMode = request.positions ?? 'last';
    const size = batch.batchSize * batch.length;
    if (batch.ids.length !== size || batch.attentionMask.length !== size) {
      throw new InvalidArgumentError('batch', `ids/attentionMask hold ${batch.ids.length}/${batch.attentionMask.length} values, expected ${batch.batchSize} x ${batch.length}`);
    }
    for (let index = 0; index < size; index++) {
      const id = batch.ids[index]!;
      if (id < 0 || id >= this.config.vocabSize) {
        throw new InvalidArgumentError(`batch.ids[${Math.floor(index / batch.length)}][${index % batch.length}]`, `token id ${id} is outside the vocabulary (0..${this.config.vocabSize - 1})`);
      }
    }
    const hasValues = this.session.outputNames.includes('values');
    if (positionsMode === 'all' && !hasValues) {
      throw new InvalidArgumentError('positions', `${this.modelId} has no per-token 'values' output; only 'last' scores`);
    }
    const feeds: Record<string, ort.Tensor> = {
      input_ids: indexTensor('int64', batch.ids, [batch.batchSize, batch.length]),
      attention_mask: indexTensor('int64', batch.attentionMask, [batch.batchSize, batch.length]),
    };
    if (this.session.inputNames.includes('position_ids')) {
      feeds.position_ids = indexTensor('int64', positionIdsFromMask(batch.attentionMask, batch.batchSize, batch.length), [batch.batchSize, batch.length]);
    }
    const names = this.session.outputNames;
    const wanted = positionsMode === 'all' ? 'values' : names.includes('scores') ? 'scores' : names.includes('logits') ? 'logits' : 'values';
    const outputs = await this.session.run(feeds, [wanted]);
    const scores = outputAsFloat32(outputs[wanted] as ort.Tensor);
    if (positionsMode === 'last' && wanted === 'values') {
      // Only per-token values: read each row at its last real token.
      const last = new Float32Array(batch.batchSize);
      for (let row = 0; row < batch.batchSize; row++) {
        for (let column = batch.length - 1; column >= 0; column--) {
          if (batch.attentionMask[row * batch.length + column]) {
            last[row] = scores[row * batch.length + column]!;
            break;
          }
        }
      }
      return { scores: last };
    }
    if (positionsMode === 'all') {
      const masked = Float32Array.from(scores);
      for (let index = 0; index < masked.length; index++) if (!batch.attentionMask[index]) masked[index] = 0;
      return { scores: masked };
    }
    return { scores: scores.length === batch.batchSize ? scores : scores.filter((_, index) => index % (scores.length / batch.batchSize) === 0) };
  }

  /** Releases the onnxruntime session. */
  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Loads (or exports in memory and loads) a scalar-head model for onnxruntime-node.
 *
 * @example
 * const reward = await createOrtScalarModel({ directory: 'out/reward-onnx' });
 * const { scores } = await reward.doScore({ batch });
 * @throws CheckpointError when no model file is found; InvalidFileError when the config is missing.
 */
export async function createOrtScalarModel(settings: OrtScalarModelSettings): Promise<OrtScalarModel> {
  const sources = [settings.path, settings.directory, settings.model, settings.weights].filter((value) => value !== undefined);
  if (sources.length !== 1) throw new InvalidArgumentError('settings', 'give exactly one of path, directory, model or weights');
  const options = toSessionOptions(settings.sessionOptions);
  let config = settings.config;
  if (settings.weights) {
    if (!config) throw new InvalidArgumentError('config', 'required with weights');
    const { model } = exportToOnnx({ config, weights: settings.weights, head: 'scalar', operators: settings.operators ?? 'standard' });
    return new OrtScalarModel(await ort.InferenceSession.create(model, options), config, settings.modelId ?? 'onnx:gpt2-scalar');
  }
  let modelPath = settings.path;
  if (settings.directory) {
    modelPath = findOnnxModelFile(settings.directory);
    if (!modelPath) throw new CheckpointError(settings.directory, 'no model.onnx in the directory');
  }
  if (modelPath && !existsSync(modelPath)) throw new CheckpointError(modelPath, 'file not found');
  if (!config && modelPath) {
    config = await loadModelConfig(path.dirname(modelPath));
  }
  if (!config) throw new InvalidArgumentError('config', 'required with model bytes');
  const session = modelPath ? await ort.InferenceSession.create(modelPath, options) : await ort.InferenceSession.create(settings.model!, options);
  if (!session.outputNames.includes('scores') && !session.outputNames.includes('logits') && !session.outputNames.includes('values')) {
    throw new InvalidFileError(modelPath ?? '<model bytes>', `no scores/values/logits output; outputs are ${session.outputNames.join(', ')}`);
  }
  return new OrtScalarModel(session, config, settings.modelId ?? modelPath ?? 'onnx:in-memory');
}
