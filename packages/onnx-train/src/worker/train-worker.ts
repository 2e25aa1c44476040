/**
 * Worker-thread host of an `OnnxTrainableModel` (entry `dist/train-worker.js`): receives
 * `{ id, method, args }`, runs the method, answers `{ id, result, step }` or `{ id, error }`.
 * Started by `createOnnxTrainableModelInWorker`; not imported directly.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InstructKitError } from '@instructkit/core';
import { createOnnxTrainableModel, type OnnxTrainableModelSettings } from '../onnx-trainable-model';

/** A request from the main thread. */
export interface WorkerRequest {
  readonly id: number;
  readonly method: 'doTrainStep' | 'doEvaluate' | 'doGetParameters' | 'doSetParameters' | 'doSaveTrainingState' | 'doLoadTrainingState' | 'doLogprobs' | 'doScore' | 'configureTraining';
  readonly args: readonly unknown[];
}

if (parentPort) {
  const port = parentPort;
  const model = createOnnxTrainableModel(workerData as OnnxTrainableModelSettings);
  port.postMessage({ ready: true, engine: model.engine, parameterCount: model.parameterCount });
  // One request at a time, in order: a step must finish before the next reads the parameters.
  let queue = Promise.resolve();
  port.on('message', (request: WorkerRequest) => {
    queue = queue.then(async () => {
      try {
        const method = model[request.method] as (...args: unknown[]) => unknown;
        const result = await method.apply(model, [...request.args]);
        port.postMessage({ id: request.id, result, step: model.step });
      } catch (error) {
        const code = error instanceof InstructKitError ? error.code : 'worker-error';
        port.postMessage({ id: request.id, error: { name: (error as Error).name, code, message: (error as Error).message } });
      }
    });
  });
}
