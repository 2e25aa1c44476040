import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base';

// `train-worker` is the worker-thread entry `createOnnxTrainableModelInWorker` starts.
export default defineConfig(packageBuild({ index: 'src/index.ts', 'train-worker': 'src/worker/train-worker.ts' }));
