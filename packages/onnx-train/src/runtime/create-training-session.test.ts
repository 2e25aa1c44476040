import { afterEach, describe, expect, it } from 'vitest';
import { createOnnxTrainableModel } from '../onnx-trainable-model';
import { trainingExecutionProviders } from './create-training-session';

describe('trainingExecutionProviders', () => {
  const forced = process.env.INSTRUCTKIT_ORT_PROVIDER;
  afterEach(() => {
    if (forced === undefined) delete process.env.INSTRUCTKIT_ORT_PROVIDER;
    else process.env.INSTRUCTKIT_ORT_PROVIDER = forced;
  });

  it('takes the providers that are available, CUDA first, unless the settings name them', () => {
    // This machine has no CUDA provider library; INSTRUCTKIT_ORT_PROVIDER stands in for one.
    process.env.INSTRUCTKIT_ORT_PROVIDER = 'cuda';
    expect(trainingExecutionProviders()).toEqual(['cuda', 'cpu']);
    expect(trainingExecutionProviders({ executionProviders: ['cpu'] })).toEqual(['cpu']);
    process.env.INSTRUCTKIT_ORT_PROVIDER = 'cpu';
    expect(trainingExecutionProviders()).toEqual(['cpu']);
  });

  it('names the engine after the first provider (sessions are only created by the first step)', () => {
    const config = { architecture: 'gpt2', vocabSize: 8, contextLength: 4, hiddenSize: 4, numLayers: 1, numHeads: 1 } as const;
    const training = { optimizer: { learningRate: 1e-3 } };
    expect(createOnnxTrainableModel({ config, training, session: { executionProviders: ['cuda', 'cpu'] } }).engine).toBe('onnxruntime-cuda');
    expect(createOnnxTrainableModel({ config, training, session: { executionProviders: ['cpu'] } }).engine).toBe('onnxruntime-cpu');
  });
});
