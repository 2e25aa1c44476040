import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { InvalidArgumentError } from '@instructkit/core';

/** Execution providers this package knows how to configure. */
export type ExecutionProviderName = 'cpu' | 'cuda';

/** onnxruntime session settings, with the defaults InstructKit uses. */
export interface OrtSessionSettings {
  /** Threads for intra-op parallelism. Default: onnxruntime's choice (all physical cores). */
  readonly intraOpThreads?: number;
  /** Graph optimisation level. Default: `all` (every fusion, including FusedMatMul, FastGelu, LayerNorm). */
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Providers in order of preference. Default: `selectExecutionProviders()` — CUDA when its
   * provider library is installed, then CPU.
   */
  readonly executionProviders?: readonly ExecutionProviderName[];
  /**
   * Let idle intra-op threads spin waiting for work. A decoding step of a small model is dozens of
   * short kernels, and without spinning every one of them wakes the sleeping threads: on an
   * otherwise idle 2-core machine spinning made the 4M model's decoding 20–40% faster. When the
   * cores are busy with other work — training threads in the same process, another session, other
   * processes — spinning threads steal their time instead, and decoding was 1.5–2× slower with
   * spinning than without (load average 5–6 on 2 cores).
   * `auto` spins when the machine has idle cores as the session is created: a 1-minute load average
   * below three quarters of the cores (printed once to stderr). Sessions live long and the load
   * changes, so pass `true` or `false` when you know the machine.
   * Default: `auto` (onnxruntime's own default is `true`).
   */
  readonly allowSpinning?: boolean | 'auto';
  /**
   * Stop the spinning threads as soon as a run returns (onnxruntime's `session.force_spinning_stop`):
   * they still spin between the kernels of a run, but do not keep a core busy afterwards, when
   * another session or the JavaScript between two decoding steps wants it (on this machine's two
   * vCPUs a spinning thread slowed its sibling's work: the 4M model decoded 1.6–1.9× faster at
   * batch 8 and 1.4–1.6× at batch 1 with this on). Default: true.
   */
  readonly stopSpinningAfterRun?: boolean;
}

let announced = false;
let spinningAnnounced = false;

/**
 * Whether `allowSpinning: 'auto'` spins now: when the 1-minute load average is below three
 * quarters of the cores, so that spinning threads find a core that nothing else wants.
 */
export function spinningHelps(cores = availableParallelism(), load = loadavg()[0]!): boolean {
  return load < 0.75 * cores;
}

function resolveSpinning(setting: boolean | 'auto' | undefined): boolean {
  if (setting === true || setting === false) return setting;
  const cores = availableParallelism();
  const load = loadavg()[0]!;
  const spinning = spinningHelps(cores, load);
  if (!spinningAnnounced) {
    spinningAnnounced = true;
    if (process.env.INSTRUCTKIT_QUIET !== '1') {
      process.stderr.write(`[instructkit/onnx] intra-op thread spinning ${spinning ? 'on' : 'off'} (load average ${load.toFixed(1)} on ${cores} cores; set sessionOptions.allowSpinning to choose)\n`);
    }
  }
  return spinning;
}

function cudaProviderInstalled(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const packageDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
    const binaryDir = path.join(packageDir, 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(path.join(binaryDir, 'libonnxruntime_providers_cuda.so')) || existsSync(path.join(binaryDir, 'onnxruntime_providers_cuda.dll'));
  } catch {
    return false;
  }
}

/**
 * The execution providers to use, best first: `cuda` when onnxruntime-node's CUDA provider
 * library is installed (its optional download ran), then `cpu`. The environment variable
 * `INSTRUCTKIT_ORT_PROVIDER` (`cpu` or `cuda`) overrides the choice. Prints the choice once
 * to stderr.
 */
export function selectExecutionProviders(): ExecutionProviderName[] {
  const forced = process.env.INSTRUCTKIT_ORT_PROVIDER;
  let providers: ExecutionProviderName[];
  if (forced === 'cpu' || forced === 'cuda') providers = forced === 'cuda' ? ['cuda', 'cpu'] : ['cpu'];
  else providers = cudaProviderInstalled() ? ['cuda', 'cpu'] : ['cpu'];
  if (!announced) {
    announced = true;
    if (process.env.INSTRUCTKIT_QUIET !== '1') process.stderr.write(`[instructkit/onnx] execution providers: ${providers.join(', ')}\n`);
  }
  return providers;
}

/**
 * Translates InstructKit's settings to onnxruntime's `SessionOptions` (`allowSpinning: 'auto'` is
 * decided here, from the load average at this moment).
 */
export function toSessionOptions(settings: OrtSessionSettings = {}): InferenceSession.SessionOptions {
  const threads = settings.intraOpThreads;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 0)) {
    throw new InvalidArgumentError('sessionOptions.intraOpThreads', `${threads} is not a non-negative integer`);
  }
  const options: InferenceSession.SessionOptions = {
    graphOptimizationLevel: settings.graphOptimizationLevel ?? 'all',
    executionProviders: [...(settings.executionProviders ?? selectExecutionProviders())],
    ...(threads !== undefined ? { intraOpNumThreads: threads } : {}),
    extra: {
      session: {
        intra_op: { allow_spinning: resolveSpinning(settings.allowSpinning) ? '1' : '0' },
        ...(settings.stopSpinningAfterRun === false ? {} : { force_spinning_stop: '1' }),
      },
    },
  };
  return options;
}
