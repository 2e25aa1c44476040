import * as tf from '@tensorflow/tfjs-core';
// The full @tensorflow/tfjs bundle registers every op's gradient (tfjs-core alone registers none)
// and the cpu backend; the wasm backend registers itself on import.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { InvalidArgumentError, UnsupportedError } from '@instructkit/core';

/**
 * Makes a tfjs backend available and returns the name tfjs knows it by
 * (`tensorflow` for tfjs-node, `wasm`, `cpu`), or `undefined` when it is not
 * installed here. Must not throw for "not installed"; may throw for a broken install.
 */
export type BackendFactory = () => Promise<string | undefined>;

interface RegisteredBackend {
  readonly name: string;
  readonly factory: BackendFactory;
  readonly priority: number;
}

const registry = new Map<string, RegisteredBackend>();
let selected: string | undefined;
let loggedChoice: string | undefined;

/**
 * Registers a backend InstructKit may select. Higher `priority` wins in
 * {@link selectBackend} when several are installed. Registering a name again replaces it.
 *
 * Built in: `tfjs-node-gpu` (400), `tfjs-node` (300), `wasm` (200), `cpu` (100).
 *
 * @param name - The name users pass as `backend` or in `INSTRUCTKIT_BACKEND`.
 * @param factory - Loads the backend; resolves to the tfjs backend name, or `undefined` if not installed.
 * @param priority - Larger is preferred.
 * @example
 * registerBackend('my-webgpu', async () => { await import('@tensorflow/tfjs-backend-webgpu'); return 'webgpu'; }, 500);
 */
export function registerBackend(name: string, factory: BackendFactory, priority: number): void {
  registry.set(name, { name, factory, priority });
}

/** Names of the registered backends, best first. */
export function listBackends(): string[] {
  return [...registry.values()].sort((first, second) => second.priority - first.priority).map((entry) => entry.name);
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /**
   * A registered backend name to use (`tfjs-node-gpu`, `tfjs-node`, `wasm`, `cpu`).
   * Default: the `INSTRUCTKIT_BACKEND` environment variable, else the best installed one.
   */
  readonly backend?: string;
  /** Receives the one-line "using backend X" message. Default: writes to stderr (stdout stays clean for JSON output). */
  readonly log?: (message: string) => void;
}

/**
 * Chooses the tfjs backend and makes it current: the named one when `backend` or
 * `INSTRUCTKIT_BACKEND` names one, otherwise the highest-priority registered backend
 * whose factory finds it installed (tfjs-node-gpu > tfjs-node > wasm > cpu).
 * Logs the choice once per process (and again only if it changes).
 *
 * @returns The InstructKit backend name chosen (e.g. `wasm`).
 * @throws {InvalidArgumentError} the named backend is not registered.
 * @throws {UnsupportedError} the named backend is registered but not installed.
 * @example
 * await selectBackend({ backend: 'wasm' });
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<string> {
  const requested = options.backend ?? (process.env.INSTRUCTKIT_BACKEND || undefined);
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  let chosen: string | undefined;
  let tfjsName: string | undefined;
  if (requested !== undefined) {
    const entry = registry.get(requested);
    if (!entry) {
      const field = options.backend !== undefined ? 'backend' : 'INSTRUCTKIT_BACKEND';
      throw new InvalidArgumentError(field, `unknown backend "${requested}" (registered: ${listBackends().join(', ')})`);
    }
    tfjsName = await entry.factory();
    if (tfjsName === undefined) {
      throw new UnsupportedError(
        `backend "${requested}" is not installed here; install its package (e.g. npm i @tensorflow/${requested}) or choose one of: ${listBackends().join(', ')}`,
      );
    }
    chosen = requested;
  } else {
    for (const name of listBackends()) {
      tfjsName = await registry.get(name)!.factory();
      if (tfjsName !== undefined) {
        chosen = name;
        break;
      }
    }
    if (chosen === undefined || tfjsName === undefined) throw new UnsupportedError('no tfjs backend is installed');
  }
  if (tf.getBackend() !== tfjsName || selected !== chosen) {
    const ok = await tf.setBackend(tfjsName);
    if (!ok) throw new UnsupportedError(`tfjs could not initialise backend "${tfjsName}" (for ${chosen})`);
    await tf.ready();
  }
  selected = chosen;
  if (loggedChoice !== chosen) {
    loggedChoice = chosen;
    log(`[instructkit] tfjs backend: ${chosen}`);
  }
  return chosen;
}

/**
 * The backend chosen by the last {@link selectBackend}, or `undefined` before the first call.
 */
export function currentBackend(): string | undefined {
  return selected;
}

/**
 * Imports an optional package, resolving to `undefined` when it is not installed
 * (or its native part cannot load, as with tfjs-node without libtensorflow).
 */
async function importOptional(specifier: string): Promise<unknown> {
  try {
    return await import(/* @vite-ignore */ specifier);
  } catch {
    return undefined;
  }
}

// tfjs-node and tfjs-node-gpu both register the `tensorflow` backend on import.
registerBackend('tfjs-node-gpu', async () => ((await importOptional('@tensorflow/tfjs-node-gpu')) ? 'tensorflow' : undefined), 400);
registerBackend('tfjs-node', async () => ((await importOptional('@tensorflow/tfjs-node')) ? 'tensorflow' : undefined), 300);
registerBackend('wasm', async () => 'wasm', 200);
registerBackend('cpu', async () => 'cpu', 100);
