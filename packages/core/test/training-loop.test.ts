import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  readSafetensors,
  runTrainingLoop,
  type NamedTensors,
  type TrainableModelV1,
  type TrainingEvent,
  type TrainStepRequest,
  type TrainStepResult,
} from '../src/index';

/**
 * A model whose update depends on the batch, on a momentum term and on an internal random
 * stream (like dropout masks), so a resume that loses any of the three diverges.
 */
class ToyModel implements TrainableModelV1 {
  readonly specificationVersion = 'v1';
  readonly engine = 'toy';
  step = 0;
  weights = [0.5, -0.25, 1, 2];
  momentum = [0, 0, 0, 0];
  randomState = 12345;
  readonly seenSteps: number[] = [];

  private nextRandom(): number {
    // xorshift32: cheap and fully determined by its saved state.
    let x = this.randomState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.randomState = x >>> 0;
    return this.randomState / 2 ** 32;
  }

  async doTrainStep(request: TrainStepRequest): Promise<TrainStepResult> {
    let loss = 0;
    for (const task of request.microbatches) {
      if (task.kind !== 'language-modeling') throw new Error('toy model trains language modeling only');
      const target = task.batch.ids.reduce((sum, id) => sum + id, 0) / task.batch.ids.length;
      for (let i = 0; i < this.weights.length; i++) {
        const gradient = 2 * (this.weights[i]! - target) * (0.5 + this.nextRandom());
        this.momentum[i] = 0.9 * this.momentum[i]! + gradient;
        loss += (this.weights[i]! - target) ** 2;
      }
    }
    for (let i = 0; i < this.weights.length; i++) this.weights[i]! -= 0.05 * this.momentum[i]!;
    this.step += 1;
    return { step: this.step, loss, metrics: { accuracy: 1 / (1 + loss) }, gradNorm: 1, learningRate: 0.05, tokens: 3 };
  }
  async doEvaluate() {
    return { loss: 0, metrics: {} };
  }
  async doGetParameters(): Promise<NamedTensors> {
    return new Map([['w', { dtype: 'float32', shape: [4], data: Float32Array.from(this.weights) }]]);
  }
  parametersSet = 0;
  async doSetParameters(parameters: NamedTensors): Promise<void> {
    this.weights = Array.from(parameters.get('w')!.data as Float32Array);
    this.parametersSet++;
  }
  async doSaveTrainingState(directory: string): Promise<void> {
    const state = { step: this.step, weights: this.weights, momentum: this.momentum, randomState: this.randomState };
    await writeFile(path.join(directory, 'toy.json'), JSON.stringify(state));
  }
  async doLoadTrainingState(directory: string): Promise<void> {
    const state = JSON.parse(await readFile(path.join(directory, 'toy.json'), 'utf8'));
    Object.assign(this, state);
  }
  dispose(): void {}
}

function requestFor(step: number): TrainStepRequest {
  const ids = Int32Array.from([step % 5, (step * 7) % 3, 1]);
  return {
    microbatches: [{ kind: 'language-modeling', batch: { batchSize: 1, length: 3, ids, attentionMask: new Uint8Array(3).fill(1) }, lossMask: new Uint8Array(2).fill(1) }],
  };
}

const directories: string[] = [];
async function freshRunDirectory(): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'instructkit-loop-'));
  directories.push(directory);
  return directory;
}
afterEach(async () => {
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

function loopSettings(model: ToyModel, runDirectory: string) {
  return {
    stage: 'sft',
    model,
    totalSteps: 12,
    runDirectory,
    nextRequest: (step: number) => {
      model.seenSteps.push(step);
      return requestFor(step);
    },
    saveCheckpoint: (directory: string) => model.doSaveTrainingState(directory),
    loadCheckpoint: (directory: string) => model.doLoadTrainingState(directory),
  } as const;
}

async function readMetrics(runDirectory: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path.join(runDirectory, 'metrics.jsonl'), 'utf8');
  return text.trim().split('\n').map((line) => JSON.parse(line));
}

describe('runTrainingLoop', () => {
  it('runs every step once, emits events in order and logs one metrics line per step', async () => {
    const runDirectory = await freshRunDirectory();
    const model = new ToyModel();
    const events: TrainingEvent[] = [];
    const result = await runTrainingLoop({ ...loopSettings(model, runDirectory), onEvent: (event) => events.push(event) });

    expect(result).toMatchObject({ reason: 'completed', step: 12, startStep: 0 });
    expect(model.seenSteps).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(events[0]).toEqual({ type: 'run-start', stage: 'sft', totalSteps: 12, startStep: 0 });
    expect(events.filter((event) => event.type === 'step-end').map((event) => (event as { step: number }).step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(events.at(-1)).toEqual({ type: 'run-end', stage: 'sft', step: 12, reason: 'completed' });
    const metrics = await readMetrics(runDirectory);
    expect(metrics.map((line) => line.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(metrics.every((line) => typeof line.loss === 'number' && typeof line.accuracy === 'number' && line.stage === 'sft')).toBe(true);
    expect((await readFile(path.join(runDirectory, 'checkpoints', 'latest'), 'utf8')).trim()).toBe('step-000012');
  });

  it('saves a checkpoint on abort and, re-run, ends with the weights of an uninterrupted run', async () => {
    const reference = new ToyModel();
    await runTrainingLoop(loopSettings(reference, await freshRunDirectory()));

    const runDirectory = await freshRunDirectory();
    const controller = new AbortController();
    const first = new ToyModel();
    const interrupted = await runTrainingLoop({
      ...loopSettings(first, runDirectory),
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'step-end' && event.step === 5) controller.abort();
      },
    });
    expect(interrupted).toMatchObject({ reason: 'interrupted', step: 5 });
    expect(await readdir(path.join(runDirectory, 'checkpoints'))).toContain('step-000005');

    const second = new ToyModel();
    const resumed = await runTrainingLoop(loopSettings(second, runDirectory));
    expect(resumed).toMatchObject({ reason: 'completed', startStep: 5, step: 12 });
    expect(second.seenSteps).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(second.weights).toEqual(reference.weights);
    expect(second.randomState).toBe(reference.randomState);
    expect((await readMetrics(runDirectory)).map((line) => line.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('after a crash resumes from the last periodic checkpoint without logging a step twice', async () => {
    const reference = new ToyModel();
    await runTrainingLoop(loopSettings(reference, await freshRunDirectory()));

    const runDirectory = await freshRunDirectory();
    const crashing = new ToyModel();
    const settings = loopSettings(crashing, runDirectory);
    await expect(
      runTrainingLoop({
        ...settings,
        checkpointEvery: 4,
        nextRequest: (step) => {
          if (step === 10) throw new Error('power cut');
          return settings.nextRequest(step);
        },
      }),
    ).rejects.toThrow('power cut');
    expect((await readFile(path.join(runDirectory, 'checkpoints', 'latest'), 'utf8')).trim()).toBe('step-000008');

    const resumedModel = new ToyModel();
    await runTrainingLoop({ ...loopSettings(resumedModel, runDirectory), checkpointEvery: 4 });
    expect(resumedModel.seenSteps).toEqual([8, 9, 10, 11]);
    expect(resumedModel.weights).toEqual(reference.weights);
    expect((await readMetrics(runDirectory)).map((line) => line.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // keepCheckpoints defaults to 2: step-4 was pruned.
    const names = (await readdir(path.join(runDirectory, 'checkpoints'))).filter((name) => name.startsWith('step-')).sort();
    expect(names).toEqual(['step-000008', 'step-000012']);
  });

  it('keeps the checkpoint with the best evaluation metric', async () => {
    const runDirectory = await freshRunDirectory();
    const model = new ToyModel();
    const validationLoss: Record<number, number> = { 3: 2.0, 6: 1.2, 9: 1.5, 12: 1.4 };
    const result = await runTrainingLoop({
      ...loopSettings(model, runDirectory),
      evaluateEvery: 3,
      evaluate: async (step) => ({ validationLoss: validationLoss[step]! }),
      best: { metric: 'validationLoss', direction: 'minimize' },
    });
    expect(result.best).toMatchObject({ step: 6, value: 1.2 });
    const bestState = JSON.parse(await readFile(path.join(runDirectory, 'checkpoints', 'best', 'trainer-state.json'), 'utf8'));
    expect(bestState.step).toBe(6);
    const savedToy = JSON.parse(await readFile(path.join(runDirectory, 'checkpoints', 'best', 'toy.json'), 'utf8'));
    expect(savedToy.step).toBe(6);
    const evaluationLines = (await readMetrics(runDirectory)).filter((line) => 'validationLoss' in line);
    expect(evaluationLines.map((line) => [line.step, line.validationLoss])).toEqual([[3, 2], [6, 1.2], [9, 1.5], [12, 1.4]]);
  });

  it('by default checkpoints parameters as model.safetensors beside the engine state and resumes from them', async () => {
    const reference = new ToyModel();
    await runTrainingLoop(loopSettings(reference, await freshRunDirectory()));
    const runDirectory = await freshRunDirectory();
    const controller = new AbortController();
    const { saveCheckpoint: _save, loadCheckpoint: _load, ...defaults } = loopSettings(new ToyModel(), runDirectory);
    const first = new ToyModel();
    await runTrainingLoop({
      ...defaults,
      model: first,
      signal: controller.signal,
      onEvent: (event) => event.type === 'step-end' && event.step === 4 && controller.abort(),
    });
    const stored = await readSafetensors(path.join(runDirectory, 'checkpoints', 'step-000004', 'model.safetensors'));
    expect(Array.from(stored.tensors.get('w')!.data as Float32Array)).toEqual(Array.from(Float32Array.from(first.weights)));

    const second = new ToyModel();
    await runTrainingLoop({ ...defaults, model: second });
    expect(second.parametersSet).toBe(1);
    expect(second.weights).toEqual(reference.weights);
  });

  it('rejects a non-positive step count and a best metric the evaluation does not return', async () => {
    const runDirectory = await freshRunDirectory();
    await expect(runTrainingLoop({ ...loopSettings(new ToyModel(), runDirectory), totalSteps: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(
      runTrainingLoop({
        ...loopSettings(new ToyModel(), runDirectory),
        evaluate: async () => ({ loss: 1 }),
        best: { metric: 'validationLoss', direction: 'minimize' },
      }),
    ).rejects.toThrow(/best\.metric.*validationLoss/);
  });
});
