import { readFile, writeFile } from 'node:fs/promises';
import { CheckpointError, type DType, type HostTensor, type NamedTensors } from '@instructkit/core';

// A minimal safetensors reader/writer for the PPO checkpoint's weights (EMA, policy,
// value). To be replaced by core's safetensors module once it lands; kept private.

const DTYPE_NAMES: Partial<Record<DType, string>> = { float32: 'F32', int32: 'I32', uint8: 'U8', float16: 'F16', bfloat16: 'BF16', int64: 'I64' };

/** Writes parameters as a `.safetensors` file. */
export async function writeParameters(file: string, parameters: NamedTensors): Promise<void> {
  const header: Record<string, unknown> = {};
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, tensor] of [...parameters].sort(([left], [right]) => left.localeCompare(right))) {
    const dtype = DTYPE_NAMES[tensor.dtype];
    if (!dtype) throw new CheckpointError(file, `cannot store ${name} of dtype ${tensor.dtype}`);
    const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    header[name] = { dtype, shape: tensor.shape, data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad the header so the data starts 8-byte aligned, as the format recommends.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.byteLength));
  await writeFile(file, Buffer.concat([prefix, headerBytes, ...chunks]));
}

/** Reads what `writeParameters` wrote. */
export async function readParameters(file: string): Promise<NamedTensors> {
  let buffer: Buffer;
  try {
    buffer = await readFile(file);
  } catch (error) {
    throw new CheckpointError(file, 'cannot be read', { cause: error });
  }
  const headerLength = Number(buffer.readBigUInt64LE(0));
  const header = JSON.parse(buffer.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const base = 8 + headerLength;
  const parameters: NamedTensors = new Map();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const dtype = (Object.keys(DTYPE_NAMES) as DType[]).find((key) => DTYPE_NAMES[key] === entry.dtype);
    if (!dtype) throw new CheckpointError(file, `${name}: unknown dtype ${entry.dtype}`);
    const bytes = buffer.subarray(base + entry.data_offsets[0], base + entry.data_offsets[1]);
    const copy = new Uint8Array(bytes).buffer;
    const data =
      dtype === 'float32' ? new Float32Array(copy)
      : dtype === 'int32' ? new Int32Array(copy)
      : dtype === 'int64' ? new BigInt64Array(copy)
      : dtype === 'uint8' ? new Uint8Array(copy)
      : new Uint16Array(copy);
    parameters.set(name, { dtype, shape: entry.shape, data } satisfies HostTensor);
  }
  return parameters;
}
