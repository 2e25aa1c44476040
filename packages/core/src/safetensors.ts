import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, InvalidFileError } from './errors';
import type { DType, HostTensor, NamedTensors } from './tensors';
import { writeFileAtomic } from './write-file-atomic';

/** The contents of a safetensors file. */
export interface SafetensorsContents {
  /** Tensors by name, in the file's header order. */
  readonly tensors: NamedTensors;
  /** The header's `__metadata__` string map (empty when absent). */
  readonly metadata: Record<string, string>;
}

const DTYPE_FROM_FILE: Readonly<Record<string, DType>> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I32: 'int32',
  I64: 'int64',
  U8: 'uint8',
  BOOL: 'bool',
};

const DTYPE_TO_FILE: Readonly<Record<DType, string>> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  int32: 'I32',
  int64: 'I64',
  uint8: 'U8',
  bool: 'BOOL',
};

const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  bool: 1,
};

// The reference implementation (huggingface/safetensors) refuses headers above 100 MB.
const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function product(shape: readonly number[]): number {
  let count = 1;
  for (const dimension of shape) count *= dimension;
  return count;
}

/**
 * Parses the bytes of a `.safetensors` file: an 8-byte little-endian header length,
 * a JSON header (`{name: {dtype, shape, data_offsets}}`, optional `__metadata__`,
 * possibly padded with spaces), then the raw little-endian tensor data.
 * Supported dtypes: F32, F16, BF16 (kept as raw `Uint16Array` bits; see `toFloat32`),
 * I32, I64, U8, BOOL. The returned typed arrays are copies, so they are aligned and
 * independent of `bytes`.
 *
 * @param bytes - The whole file.
 * @param fileNameForErrors - Named in error messages. Default: `<bytes>`.
 * @throws {InvalidFileError} header length past the end, bad JSON, unknown dtype, bad
 *   shape, offsets out of range / overlapping / leaving holes, or shape × dtype size not
 *   matching the byte range.
 */
export function parseSafetensors(bytes: Uint8Array, fileNameForErrors = '<bytes>'): SafetensorsContents {
  const fail = (reason: string): never => {
    throw new InvalidFileError(fileNameForErrors, reason);
  };
  if (bytes.byteLength < 8) fail(`file is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.byteLength - 8)) {
    fail(`header length ${headerLength} runs past the end of the ${bytes.byteLength}-byte file`);
  }
  if (headerLength > BigInt(MAX_HEADER_BYTES)) fail(`header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerEnd = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd)));
  } catch (error) {
    fail(`header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataLength = bytes.byteLength - headerEnd;
  const data = bytes.subarray(headerEnd);

  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: DType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, rawEntry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof rawEntry !== 'object' || rawEntry === null || Array.isArray(rawEntry)) fail('__metadata__ is not an object');
      for (const [key, value] of Object.entries(rawEntry as Record<string, unknown>)) {
        if (typeof value !== 'string') fail(`__metadata__.${key}: value must be a string, got ${typeof value}`);
        metadata[key] = value as string;
      }
      continue;
    }
    const where = `tensor '${name}'`;
    if (typeof rawEntry !== 'object' || rawEntry === null) fail(`${where}: entry is not an object`);
    const entry = rawEntry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = typeof entry.dtype === 'string' ? DTYPE_FROM_FILE[entry.dtype] : undefined;
    if (dtype === undefined) {
      fail(`${where}: dtype ${JSON.stringify(entry.dtype)} is not supported (supported: ${Object.keys(DTYPE_FROM_FILE).join(', ')})`);
    }
    if (!Array.isArray(entry.shape) || !entry.shape.every((dimension) => Number.isSafeInteger(dimension) && dimension >= 0)) {
      fail(`${where}: shape ${JSON.stringify(entry.shape)} is not a list of non-negative integers`);
    }
    const offsets = entry.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((offset) => Number.isSafeInteger(offset) && offset >= 0) ||
      offsets[0] > offsets[1]
    ) {
      fail(`${where}: data_offsets ${JSON.stringify(offsets)} is not a pair [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) fail(`${where}: data_offsets [${begin}, ${end}] exceed the ${dataLength}-byte data section`);
    const shape = entry.shape as number[];
    const expectedBytes = product(shape) * BYTES_PER_ELEMENT[dtype!];
    if (expectedBytes !== end - begin) {
      fail(`${where}: shape [${shape.join(', ')}] of ${entry.dtype} needs ${expectedBytes} bytes but data_offsets span ${end - begin}`);
    }
    entries.push({ name, dtype: dtype!, shape, begin, end });
  }

  // The format requires the tensors to tile the data section exactly: no overlap, no holes.
  const byOffset = [...entries].sort((first, second) => first.begin - second.begin || first.end - second.end);
  let covered = 0;
  for (const entry of byOffset) {
    if (entry.begin < covered) fail(`tensor '${entry.name}': data_offsets [${entry.begin}, ${entry.end}] overlap another tensor`);
    if (entry.begin > covered) fail(`tensor '${entry.name}': data_offsets [${entry.begin}, ${entry.end}] leave a hole at byte ${covered}`);
    covered = entry.end;
  }
  if (covered !== dataLength) fail(`data section is ${dataLength} bytes but the tensors cover ${covered}`);

  const tensors: NamedTensors = new Map();
  for (const entry of entries) {
    tensors.set(entry.name, { dtype: entry.dtype, shape: entry.shape, data: decodeData(data.subarray(entry.begin, entry.end), entry.dtype) });
  }
  return { tensors, metadata };
}

function decodeData(raw: Uint8Array, dtype: DType): HostTensor['data'] {
  // slice() copies into a fresh, aligned buffer.
  const copy = raw.slice().buffer;
  const count = raw.byteLength / BYTES_PER_ELEMENT[dtype];
  switch (dtype) {
    case 'float32': {
      const values = new Float32Array(copy);
      if (!LITTLE_ENDIAN_HOST) swapInPlace(copy, 4);
      return values;
    }
    case 'float16':
    case 'bfloat16': {
      if (!LITTLE_ENDIAN_HOST) swapInPlace(copy, 2);
      return new Uint16Array(copy, 0, count);
    }
    case 'int32': {
      if (!LITTLE_ENDIAN_HOST) swapInPlace(copy, 4);
      return new Int32Array(copy, 0, count);
    }
    case 'int64': {
      if (!LITTLE_ENDIAN_HOST) swapInPlace(copy, 8);
      return new BigInt64Array(copy, 0, count);
    }
    case 'uint8':
    case 'bool':
      return new Uint8Array(copy);
  }
}

function swapInPlace(target: ArrayBufferLike | Uint8Array, width: number): void {
  const bytes = target instanceof Uint8Array ? target : new Uint8Array(target);
  for (let start = 0; start < bytes.length; start += width) bytes.subarray(start, start + width).reverse();
}

const EXPECTED_ARRAY: Readonly<Record<DType, { readonly name: string }>> = {
  float32: Float32Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

/**
 * Encodes tensors as the bytes of a `.safetensors` file (the inverse of
 * `parseSafetensors`). Tensors are laid out largest element size first, then by name,
 * as the reference implementation does; the header is space-padded to a multiple of
 * 8 bytes so the data section starts aligned.
 *
 * @param tensors - Tensors by name; each `data` must be the typed array of its dtype
 *   (`Uint16Array` bits for float16/bfloat16) with `product(shape)` elements.
 * @param metadata - Written as `__metadata__` (string values only). Default: none.
 * @throws {InvalidArgumentError} a tensor whose data does not match its dtype or shape.
 */
export function serializeSafetensors(tensors: NamedTensors, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const names = [...tensors.keys()].sort((first, second) => {
    const sizeOrder = BYTES_PER_ELEMENT[tensors.get(second)!.dtype] - BYTES_PER_ELEMENT[tensors.get(first)!.dtype];
    return sizeOrder !== 0 ? sizeOrder : first < second ? -1 : first > second ? 1 : 0;
  });
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw new InvalidArgumentError(`metadata.${key}`, `value must be a string, got ${typeof value}`);
    }
    header.__metadata__ = { ...metadata };
  }
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new InvalidArgumentError(`tensors`, `'__metadata__' is reserved and cannot name a tensor`);
    const tensor = tensors.get(name)!;
    const expectedArray = EXPECTED_ARRAY[tensor.dtype];
    if (expectedArray === undefined) throw new InvalidArgumentError(`tensors['${name}'].dtype`, `unknown dtype ${JSON.stringify(tensor.dtype)}`);
    if (!(tensor.data instanceof (expectedArray as unknown as typeof Uint8Array))) {
      throw new InvalidArgumentError(`tensors['${name}'].data`, `${tensor.dtype} needs a ${expectedArray.name}, got ${tensor.data.constructor.name}`);
    }
    if (!tensor.shape.every((dimension) => Number.isSafeInteger(dimension) && dimension >= 0)) {
      throw new InvalidArgumentError(`tensors['${name}'].shape`, `[${tensor.shape.join(', ')}] is not a list of non-negative integers`);
    }
    if (tensor.data.length !== product(tensor.shape)) {
      throw new InvalidArgumentError(`tensors['${name}'].data`, `has ${tensor.data.length} elements but shape [${tensor.shape.join(', ')}] needs ${product(tensor.shape)}`);
    }
    const byteLength = tensor.data.length * BYTES_PER_ELEMENT[tensor.dtype];
    header[name] = { dtype: DTYPE_TO_FILE[tensor.dtype], shape: [...tensor.shape], data_offsets: [offset, offset + byteLength] };
    offset += byteLength;
  }
  let headerText = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(headerText);
  const padding = (8 - (headerBytes.byteLength % 8)) % 8;
  if (padding > 0) {
    headerText += ' '.repeat(padding);
    headerBytes = encoder.encode(headerText);
  }
  const output = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(output.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  output.set(headerBytes, 8);
  let position = 8 + headerBytes.byteLength;
  for (const name of names) {
    const data = tensors.get(name)!.data;
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    output.set(raw, position);
    if (!LITTLE_ENDIAN_HOST) {
      const width = data.BYTES_PER_ELEMENT;
      if (width > 1) swapInPlace(output.subarray(position, position + raw.byteLength), width);
    }
    position += raw.byteLength;
  }
  return output;
}

/**
 * Reads a `.safetensors` file (or parses bytes already in memory).
 *
 * @param pathOrBytes - File path, or the file's bytes.
 * @returns Tensors and `__metadata__`.
 * @throws {InvalidFileError} when the file cannot be read or is malformed (see `parseSafetensors`).
 * @example
 * const { tensors } = await readSafetensors('gpt2/model.safetensors');
 * const wte = toFloat32(tensors.get('wte.weight')!);
 */
export async function readSafetensors(pathOrBytes: string | Uint8Array): Promise<SafetensorsContents> {
  if (typeof pathOrBytes !== 'string') return parseSafetensors(pathOrBytes);
  let bytes: Buffer;
  try {
    bytes = await readFile(pathOrBytes);
  } catch (error) {
    throw new InvalidFileError(pathOrBytes, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
  return parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), pathOrBytes);
}

/**
 * Writes tensors as a `.safetensors` file, atomically (temporary file, fsync, rename).
 *
 * @param filePath - Destination; its directory must exist.
 * @param tensors - Tensors by name (see `serializeSafetensors`).
 * @param metadata - Written as `__metadata__`; Hugging Face tools expect `{ format: 'pt' }`. Default: none.
 * @throws {InvalidArgumentError} a tensor whose data does not match its dtype or shape.
 */
export async function writeSafetensors(
  filePath: string,
  tensors: NamedTensors,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  await writeFileAtomic(filePath, serializeSafetensors(tensors, metadata));
}

/** Decodes IEEE-754 half-precision bits to a number. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

// All 65,536 half values, built on first use (256 KiB): decoding becomes one lookup per element.
let halfTable: Float32Array | undefined;
function getHalfTable(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) halfTable[bits] = halfToNumber(bits);
  }
  return halfTable;
}

/** Rounds float32 bits (as an unsigned 32-bit integer) to half-precision bits, round-to-nearest-even, with subnormals, ±Inf and NaN. */
function float32BitsToHalf(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal half (or zero): shift the implicit-one mantissa into place, rounding to nearest even.
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    let half = full >>> shift;
    const remainder = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Inf).
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half += 1;
  return sign | half;
}

/**
 * Converts any numeric `HostTensor` to float32 values: float16/bfloat16 bits are
 * decoded, integers are converted (int64 through `Number`, exact below 2^53),
 * bool/uint8 become 0/1/… A float32 tensor's own array is returned without copying.
 *
 * @param tensor - The tensor to convert.
 * @returns `product(shape)` values, row-major.
 */
export function toFloat32(tensor: HostTensor): Float32Array {
  const { data } = tensor;
  switch (tensor.dtype) {
    case 'float32':
      return data as Float32Array;
    case 'float16': {
      const bits = data as Uint16Array;
      const table = getHalfTable();
      const values = new Float32Array(bits.length);
      for (let index = 0; index < bits.length; index++) values[index] = table[bits[index]!]!;
      return values;
    }
    case 'bfloat16': {
      const bits = data as Uint16Array;
      const values = new Float32Array(bits.length);
      const widened = new Uint32Array(values.buffer);
      // bfloat16 is the top half of a float32.
      for (let index = 0; index < bits.length; index++) widened[index] = bits[index]! << 16;
      return values;
    }
    case 'int64': {
      const integers = data as BigInt64Array;
      const values = new Float32Array(integers.length);
      for (let index = 0; index < integers.length; index++) values[index] = Number(integers[index]!);
      return values;
    }
    default:
      return new Float32Array(data as Int32Array | Uint8Array);
  }
}

/**
 * Builds a floating-point `HostTensor` from float32 values, rounding to nearest-even
 * for float16 / bfloat16 (what PyTorch's `.half()` / `.bfloat16()` do).
 *
 * @param values - Row-major values.
 * @param shape - Dimensions; their product must equal `values.length`.
 * @param dtype - Target dtype. Default: `float32` (the array is used as is).
 * @throws {InvalidArgumentError} when the shape does not match.
 */
export function fromFloat32(
  values: Float32Array,
  shape: readonly number[],
  dtype: 'float32' | 'float16' | 'bfloat16' = 'float32',
): HostTensor {
  if (product(shape) !== values.length) {
    throw new InvalidArgumentError('shape', `[${shape.join(', ')}] needs ${product(shape)} values, got ${values.length}`);
  }
  if (dtype === 'float32') return { dtype, shape: [...shape], data: values };
  const bits = new Uint16Array(values.length);
  const widened = new Uint32Array(values.buffer, values.byteOffset, values.length);
  if (dtype === 'float16') {
    for (let index = 0; index < values.length; index++) bits[index] = float32BitsToHalf(widened[index]!);
  } else {
    for (let index = 0; index < values.length; index++) {
      const word = widened[index]!;
      if ((word & 0x7f800000) === 0x7f800000 && (word & 0x7fffff) !== 0) {
        bits[index] = (word >>> 16) | 0x40; // keep NaN a NaN after truncation
      } else {
        bits[index] = (word + 0x7fff + ((word >>> 16) & 1)) >>> 16;
      }
    }
  }
  return { dtype, shape: [...shape], data: bits };
}
