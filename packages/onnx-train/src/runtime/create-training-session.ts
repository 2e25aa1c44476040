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
   * onnxruntime's CPU memory arena. The arena keeps its high-water mark (grown in powers of two)
   * for the life of the session; without it, activations are returned to the system allocator
   * after each step. Measured at the 30m preset: 1,477 MiB peak RSS without, 2,248 MiB with, at
   * the same speed. Default: false.
   */
  readonly cpuMemoryArena?: boolean;
  /**
   * onnxruntime's memory pattern: plans every intermediate of a run into one block allocated
   * per run. Without the arena that block is fresh memory every step, and first-touch page
   * faults on it cost more than the planning saves; without the pattern each tensor is
   * allocated on its own and the system allocator reuses freed blocks. Measured at the 4m and
   * 30m presets on shared cores: faster without, at the same peak RSS. Default: false.
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
    enableCpuMemArena: settings.cpuMemoryArena ?? false,
    enableMemPattern: settings.memoryPattern ?? false,
  });
}
