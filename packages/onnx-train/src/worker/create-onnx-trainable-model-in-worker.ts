import { Worker } from 'node:worker_threads';
import {
  InstructKitError,
  type EvaluateResult,
  type NamedTensors,
  type OptimizationSettings,
  type TrainableModelV1,
  type TrainingTask,
  type TrainStepRequest,
  type TrainStepResult,
} from '@instructkit/core';
import type { OnnxTrainableModelSettings } from '../onnx-trainable-model';
import type { WorkerRequest } from './train-worker';

/** Settings of `createOnnxTrainableModelInWorker`: the model's, plus where the worker script is. */
export interface OnnxWorkerModelSettings extends OnnxTrainableModelSettings {
  /** The worker entry. Default: `train-worker.js` beside this module in `dist/`. */
  readonly workerUrl?: URL;
}

/**
 * An `OnnxTrainableModel` that lives in a worker thread: `session.run` (seconds per step on
 * large models) then blocks the worker, not the event loop, so progress bars, Ctrl-C
 * checkpointing and a server in the same process stay responsive. Parameters and results
 * cross the thread boundary by structured clone.
 */
export class OnnxWorkerTrainableModel implements TrainableModelV1 {
  readonly specificationVersion = 'v1' as const;
  /** Engine name as logged (`onnxruntime-cpu (worker)`). */
  engine = 'onnxruntime (worker)';
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  private nextId = 0;
  private currentStep = 0;
  private readonly ready: Promise<void>;

  /** Use `createOnnxTrainableModelInWorker`. */
  constructor(settings: OnnxWorkerModelSettings) {
    const { workerUrl, ...modelSettings } = settings;
    this.worker = new Worker(workerUrl ?? new URL('./train-worker.js', import.meta.url), { workerData: modelSettings });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.worker.once('message', (message: { ready: boolean; engine: string }) => {
        this.engine = `${message.engine} (worker)`;
        resolve();
      });
    });
    this.worker.on('message', (message: { id?: number; result?: unknown; step?: number; error?: { name: string; code: string; message: string } }) => {
      if (message.id === undefined) return;
      const entry = this.pending.get(message.id);
      if (!entry) return;
      this.pending.delete(message.id);
      if (message.step !== undefined) this.currentStep = message.step;
      if (message.error) {
        const error = new InstructKitError(message.error.code, message.error.message);
        error.name = message.error.name;
        entry.reject(error);
      } else {
        entry.resolve(message.result);
      }
    });
    this.worker.on('error', (error) => {
      for (const entry of this.pending.values()) entry.reject(error);
      this.pending.clear();
    });
  }

  private async call<T>(method: WorkerRequest['method'], ...args: unknown[]): Promise<T> {
    await this.ready;
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, method, args } satisfies WorkerRequest);
    });
  }

  /** Optimizer steps taken so far (as of the last answered request). */
  get step(): number {
    return this.currentStep;
  }

  doTrainStep(request: TrainStepRequest): Promise<TrainStepResult> {
    return this.call('doTrainStep', request);
  }

  doEvaluate(task: TrainingTask): Promise<EvaluateResult> {
    return this.call('doEvaluate', task);
  }

  doGetParameters(): Promise<NamedTensors> {
    return this.call('doGetParameters');
  }

  doSetParameters(parameters: NamedTensors): Promise<void> {
    return this.call('doSetParameters', parameters);
  }

  doSaveTrainingState(directory: string): Promise<void> {
    return this.call('doSaveTrainingState', directory);
  }

  doLoadTrainingState(directory: string): Promise<void> {
    return this.call('doLoadTrainingState', directory);
  }

  /** See `OnnxTrainableModel#configureTraining`. */
  configureTraining(settings: OptimizationSettings): Promise<void> {
    return this.call('configureTraining', settings);
  }

  /** Stops the worker (its sessions and buffers go with it). */
  dispose(): void {
    void this.worker.terminate();
  }
}

/**
 * Creates an ONNX-engine model in a worker thread.
 *
 * @example
 * const model = createOnnxTrainableModelInWorker({ config, training });
 * const result = await model.doTrainStep({ microbatches: [task] }); // the event loop keeps running
 */
export function createOnnxTrainableModelInWorker(settings: OnnxWorkerModelSettings): OnnxWorkerTrainableModel {
  return new OnnxWorkerTrainableModel(settings);
}
