import { performance } from 'node:perf_hooks';
import { generate, type CausalLMV1, type GenerateRequest, type GenerateResult, type GeneratorV1, type NamedTensors } from '@instructkit/core';
import { createOrtCausalLMFromWeights, type LiveWeightsMode, type OrtCausalLM } from './ort-causal-lm';
import type { OrtSessionSettings } from './session-settings';

/** A policy trained by another engine (tfjs, the compiled ONNX engine): what the generator reads. */
export interface TrainedPolicy extends CausalLMV1 {
  /** Optimizer steps taken; the generator refreshes its weights when it changes. */
  readonly step: number;
  /** Current parameters in Hugging Face naming. */
  doGetParameters(): Promise<NamedTensors>;
}

/** Settings of {@link createOrtPolicyGenerator}. */
export interface OrtPolicyGeneratorSettings {
  /** The policy being trained; rollouts always come from its current weights. */
  readonly policy: TrainedPolicy;
  /** Padding id for left-padded prompt batches. Default: the policy's pad, else its EOS, else 0. */
  readonly padTokenId?: number;
  /** How weights reach the session (see `createOrtCausalLMFromWeights`). Default: `reexport`. */
  readonly liveWeights?: LiveWeightsMode;
  /** onnxruntime session settings. Default: the package defaults (onnxruntime's thread count, spinning `auto`, stopped after each run). */
  readonly sessionOptions?: OrtSessionSettings;
}

/** A rollout generator on onnxruntime that follows a policy trained elsewhere. */
export interface OrtPolicyGenerator extends GeneratorV1 {
  /** Weight refreshes so far (the first export included). */
  readonly refreshes: number;
  /** Seconds spent exporting and refreshing weights so far. */
  readonly refreshSeconds: number;
  /** Refreshes the weights now, whatever the policy's step (after `doSetParameters`, say). */
  refresh(): Promise<void>;
  /** Releases the onnxruntime session. */
  dispose(): Promise<void>;
}

/**
 * PPO's rollouts on onnxruntime (issue: rollouts dominate RLHF's time, and ORT decodes an
 * order of magnitude faster than tfjs-wasm): core's sampling loop over an `OrtCausalLM`
 * built from the policy's parameters, refreshed before a batch whenever the policy has taken
 * optimizer steps since the last refresh — so the policy's *current* weights always sample.
 *
 * @example
 * const generator = createOrtPolicyGenerator({ policy });
 * await trainPpo({ policy, generator, ... });
 * console.log(`${generator.refreshes} refreshes, ${generator.refreshSeconds.toFixed(2)} s`);
 */
export function createOrtPolicyGenerator(settings: OrtPolicyGeneratorSettings): OrtPolicyGenerator {
  const { policy } = settings;
  let model: OrtCausalLM | undefined;
  let syncedStep = Number.NaN;
  let refreshes = 0;
  let refreshSeconds = 0;

  const refresh = async () => {
    const started = performance.now();
    const parameters = await policy.doGetParameters();
    if (model) {
      await model.updateWeights(parameters);
    } else {
      model = await createOrtCausalLMFromWeights({
        config: policy.config,
        weights: parameters,
        modelId: `onnx:${policy.modelId}`,
        ...(settings.liveWeights ? { liveWeights: settings.liveWeights } : {}),
        ...(settings.sessionOptions ? { sessionOptions: settings.sessionOptions } : {}),
      });
    }
    syncedStep = policy.step;
    refreshes++;
    refreshSeconds += (performance.now() - started) / 1000;
  };

  return {
    specificationVersion: 'v1',
    modelId: `onnx:${policy.modelId}`,
    get refreshes() {
      return refreshes;
    },
    get refreshSeconds() {
      return refreshSeconds;
    },
    refresh,
    async doGenerate(request: GenerateRequest): Promise<GenerateResult> {
      if (!model || policy.step !== syncedStep) await refresh();
      return generate({ ...request, model: model!, ...(settings.padTokenId !== undefined ? { padTokenId: settings.padTokenId } : {}) });
    },
    async dispose() {
      await model?.dispose();
      model = undefined;
    },
  };
}
