import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, type NamedTensors, type TransformerConfig } from '@instructkit/core';
import { buildGpt2Graph, type WeightPrecision } from './gpt2-graph';

/** Protobuf's message limit: a model whose initializers approach it must keep them outside. */
const PROTOBUF_LIMIT_BYTES = 2 ** 31 - 1;
/** Headroom for the graph itself when deciding on external data. */
const EXTERNAL_DATA_THRESHOLD_BYTES = PROTOBUF_LIMIT_BYTES - 64 * 1024 * 1024;

/** What `exportToOnnx` exports. */
export interface ExportToOnnxOptions {
  /** Architecture (GPT-2). */
  readonly config: TransformerConfig;
  /** Hugging Face-named weights; a `transformer.` prefix is accepted. */
  readonly weights: NamedTensors;
  /** `lm`: causal LM with KV cache; `scalar`: reward/value model with the `score` head. Default: lm. */
  readonly head?: 'lm' | 'scalar';
  /** Weight precision: `float32`, `float16` (half storage), `int8` (dynamic quantisation). Default: float32. */
  readonly precision?: WeightPrecision;
  /** Weights as graph inputs instead of initializers (for live weights). Default: false. */
  readonly weightsAsInputs?: boolean;
  /** `standard` ONNX ops, or `onnxruntime` fused contrib ops (faster, onnxruntime only). Default: standard. */
  readonly operators?: 'standard' | 'onnxruntime';
  /**
   * `auto`: weights go to an external data file only when the model would pass protobuf's 2 GiB
   * limit; `always` / `never` force it. Default: auto.
   */
  readonly externalData?: 'auto' | 'always' | 'never';
  /** Name of the external data file, relative to the model. Default: `model.onnx_data`. */
  readonly externalDataFileName?: string;
}

/** An exported model: protobuf bytes and, when used, the external data chunks in file order. */
export interface ExportedOnnxModel {
  /** The `ModelProto` bytes (`model.onnx`). */
  readonly model: Uint8Array;
  /** External weights, when the model has them: file name and the chunks to write in order. */
  readonly externalData?: { readonly fileName: string; readonly chunks: readonly Uint8Array[]; readonly byteLength: number };
  /** Total bytes of all initializers. */
  readonly weightBytes: number;
}

/**
 * Exports a GPT-2 causal LM or scalar model to ONNX (opset 17, Optimum decoder layout for the LM).
 *
 * @example
 * const { model } = exportToOnnx({ config, weights, precision: 'int8' });
 * await writeOnnxModel({ model }, 'out/model.onnx');
 * @throws InvalidArgumentError when a weight is missing or mis-shaped, or when the model needs
 *   external data and `externalData` is `never`.
 */
export function exportToOnnx(options: ExportToOnnxOptions): ExportedOnnxModel {
  const weights: NamedTensors = new Map();
  for (const [name, tensor] of options.weights) weights.set(name.startsWith('transformer.') ? name.slice(12) : name, tensor);
  const head = options.head ?? 'lm';
  const { graph } = buildGpt2Graph({
    config: options.config,
    weights,
    head,
    precision: options.precision,
    weightsAsInputs: options.weightsAsInputs,
    operators: options.operators,
  });
  const initializers = graph.listInitializers();
  const weightBytes = initializers.reduce((total, initializer) => total + initializer.tensor.bytes.byteLength, 0);
  const mode = options.externalData ?? 'auto';
  const external = mode === 'always' || (mode === 'auto' && weightBytes > EXTERNAL_DATA_THRESHOLD_BYTES);
  if (!external && weightBytes > EXTERNAL_DATA_THRESHOLD_BYTES) {
    throw new InvalidArgumentError('externalData', `the weights take ${weightBytes} bytes, over protobuf's 2 GiB limit; use auto or always`);
  }
  const metadata = { 'instructkit.config': JSON.stringify(options.config), 'instructkit.head': head, 'instructkit.precision': options.precision ?? 'float32', 'instructkit.operators': options.operators ?? 'standard' };
  if (!external) return { model: graph.toModel({ metadata }), weightBytes };

  const fileName = options.externalDataFileName ?? 'model.onnx_data';
  const locations = new Map<string, { location: string; offset: number; length: number }>();
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const initializer of initializers) {
    const length = initializer.tensor.bytes.byteLength;
    // Small constants stay inline; onnxruntime maps the big ones from the file.
    if (length < 1024) continue;
    locations.set(initializer.name, { location: fileName, offset, length });
    chunks.push(initializer.tensor.bytes);
    offset += length;
  }
  return { model: graph.toModel({ metadata, externalLocations: locations }), externalData: { fileName, chunks, byteLength: offset }, weightBytes };
}

/**
 * Writes an exported model to `modelPath` (and its external data beside it), each file
 * through a temporary name and a rename so a crash never leaves a half-written model.
 * @returns The paths written.
 */
export async function writeOnnxModel(exported: Pick<ExportedOnnxModel, 'model' | 'externalData'>, modelPath: string): Promise<string[]> {
  await mkdir(path.dirname(modelPath), { recursive: true });
  const written: string[] = [];
  const writeChunks = async (target: string, chunks: readonly Uint8Array[]) => {
    const temporary = `${target}.tmp-${process.pid}`;
    const handle = await open(temporary, 'w');
    try {
      for (const chunk of chunks) await handle.write(chunk);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(temporary, { force: true });
      throw error;
    }
    await handle.close();
    await rename(temporary, target);
    written.push(target);
  };
  if (exported.externalData) await writeChunks(path.join(path.dirname(modelPath), exported.externalData.fileName), exported.externalData.chunks);
  await writeChunks(modelPath, [exported.model]);
  return written;
}
