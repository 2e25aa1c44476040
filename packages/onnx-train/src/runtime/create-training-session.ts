import * as ort from 'onnxruntime-node';
import { selectExecutionProviders, toSessionOptions, type ExecutionProviderName } from '@instructkit/onnx';

/** onnxruntime settings of a training session. */
export interface TrainingSessionSettings {
  /** Threads for intra-op parallelism. Default: 2. */
  readonly intraOpThreads?: number;
  /** Let idle intra-op threads spin. Default: false (spinning collapses throughput on shared cores). */
  readonly allowSpinning?: boolean;
  /**
   * Execution providers in order of preference. Default: what is available —
   * `['cuda', 'cpu']` where onnxruntime-node's CUDA provider library is installed, else `['cpu']`
   * (`selectExecutionProviders` of `@instructkit/onnx`; `INSTRUCTKIT_ORT_PROVIDER=cpu|cuda`
   * overrides it). The CUDA path has not been run on a GPU: parameters and gradients are CPU
   * buffers, so they cross to the device and back on every step, and ops without a CUDA kernel
   * fall back to the CPU.
   */
  readonly executionProviders?: readonly ExecutionProviderName[];
  /**
   * onnxruntime's CPU memory arena: intermediates reuse memory the session already holds, where
   * fresh allocations pay a page fault per 4 KiB on first touch (the elementwise ops of a 4m step
   * ran 1.6–4× faster with it in onnxruntime's profile). The arena keeps its high-water mark for
   * the life of the session; with the memory pattern off that is a few percent over the peak of
   * a step (4m: 424 vs 365 MiB peak RSS; 30m: 1,298 vs 1,229 MiB). With the memory pattern on
   * it was 2,248 vs 1,477 MiB at 30m. Default: true.
   */
  readonly cpuMemoryArena?: boolean;
  /**
   * onnxruntime's memory pattern: plans every intermediate of a run into one block. With the
   * arena the block is the high-water mark of the whole run kept for good (+40–70% peak RSS at 4m
   * and 30m); without the arena it is fresh memory, page-faulted in, on every step. Measured on
   * shared cores: no faster either way. Default: false.
   */
  readonly memoryPattern?: boolean;
}

/** The execution providers a training session with these settings uses, best first. */
export function trainingExecutionProviders(settings: TrainingSessionSettings = {}): ExecutionProviderName[] {
  return [...(settings.executionProviders ?? selectExecutionProviders())];
}

/**
 * Creates an onnxruntime-node session for a training graph, with every graph
 * optimisation enabled (MatMul/Transpose, GELU and LayerNorm fusions apply to the
 * backward pass too).
 *
 * @param modelBytes - ONNX model bytes from `AutodiffGraph#toModelBytes`.
 * @param settings - Threads, spinning, providers.
 */
export async function createTrainingSession(modelBytes: Uint8Array, settings: TrainingSessionSettings = {}): Promise<ort.InferenceSession> {
  const options = toSessionOptions({
    intraOpThreads: settings.intraOpThreads ?? 2,
    allowSpinning: settings.allowSpinning ?? false,
    executionProviders: trainingExecutionProviders(settings),
    graphOptimizationLevel: 'all',
  });
  return ort.InferenceSession.create(modelBytes, {
    ...options,
    interOpNumThreads: 1,
    enableCpuMemArena: settings.cpuMemoryArena ?? true,
    enableMemPattern: settings.memoryPattern ?? false,
  });
}
