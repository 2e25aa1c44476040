import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  InvalidFileError,
  fromFloat32,
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  toFloat32,
  writeSafetensors,
  type HostTensor,
  type NamedTensors,
} from '../src/index';

const fixtureDir = path.join(import.meta.dirname, '__fixtures__');
const expected = JSON.parse(await readFile(path.join(fixtureDir, 'dtypes.json'), 'utf8')) as Record<string, (number | string)[]>;
const asNumbers = (values: (number | string)[]) => values.map((value) => (typeof value === 'string' ? Number(value.replace('inf', 'Infinity')) : value));

/** Builds a file by hand: u64 LE header length, header text, data. */
function fileFrom(headerText: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const header = new TextEncoder().encode(headerText);
  const bytes = new Uint8Array(8 + header.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
  bytes.set(header, 8);
  bytes.set(data, 8 + header.length);
  return bytes;
}

describe('readSafetensors', () => {
  it('decodes every supported dtype of a file written by PyTorch', async () => {
    const { tensors, metadata } = await readSafetensors(path.join(fixtureDir, 'dtypes.safetensors'));
    expect(metadata).toEqual({ format: 'pt', note: 'dtype fixture' });
    const inputs = Float32Array.from(asNumbers(expected.inputs!));
    expect(tensors.get('f32')!.shape).toEqual([4, 4]);
    expect(Array.from(toFloat32(tensors.get('f32')!))).toEqual(Array.from(inputs));
    expect(tensors.get('f16')!.dtype).toBe('float16');
    expect(Array.from(tensors.get('f16')!.data as Uint16Array)).toEqual(expected.f16Bits);
    expect(Array.from(toFloat32(tensors.get('f16')!))).toEqual(asNumbers(expected.f16!));
    expect(tensors.get('bf16')!.shape).toEqual([2, 8]);
    expect(Array.from(toFloat32(tensors.get('bf16')!))).toEqual(asNumbers(expected.bf16!));
    expect(Array.from(tensors.get('i32')!.data as Int32Array)).toEqual(expected.i32);
    expect(Array.from(tensors.get('i64')!.data as BigInt64Array)).toEqual(expected.i64!.map((value) => BigInt(value)));
    expect(Array.from(tensors.get('u8')!.data as Uint8Array)).toEqual(expected.u8);
    expect(tensors.get('flag')!.dtype).toBe('bool');
    expect(Array.from(tensors.get('flag')!.data as Uint8Array)).toEqual(expected.flag);
    expect(tensors.get('empty')!).toMatchObject({ shape: [0, 3] });
    expect(tensors.get('empty')!.data.length).toBe(0);
  });

  it('reads the tiny GPT-2 fixture with the transformer. prefix and its mask buffers', async () => {
    const fixture = path.join(import.meta.dirname, '../../test-utils/fixtures/tiny-gpt2/model.safetensors');
    const { tensors } = await readSafetensors(fixture);
    expect(tensors.get('transformer.wte.weight')!.shape).toEqual([128, 32]);
    expect(tensors.get('transformer.h.1.attn.c_attn.weight')!.shape).toEqual([32, 96]);
    expect(tensors.has('transformer.h.0.attn.bias')).toBe(true);
  });

  it('names a file it cannot read', async () => {
    await expect(readSafetensors('/nonexistent/model.safetensors')).rejects.toThrow('/nonexistent/model.safetensors: cannot be read (ENOENT)');
  });
});

describe('serializeSafetensors', () => {
  it('round-trips every dtype, metadata and names bit for bit', () => {
    const tensors: NamedTensors = new Map<string, HostTensor>([
      ['b.weight', { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, Number.NaN, Infinity, -0]) }],
      ['a.half', { dtype: 'float16', shape: [2], data: Uint16Array.from([0x3c00, 0x7bff]) }],
      ['a.brain', { dtype: 'bfloat16', shape: [1], data: Uint16Array.from([0x3f80]) }],
      ['ids', { dtype: 'int32', shape: [3], data: Int32Array.from([1, -1, 7]) }],
      ['steps', { dtype: 'int64', shape: [1], data: BigInt64Array.from([123456789012345n]) }],
      ['bytes', { dtype: 'uint8', shape: [3], data: Uint8Array.from([0, 9, 255]) }],
      ['mask', { dtype: 'bool', shape: [1, 1], data: Uint8Array.from([1]) }],
    ]);
    const bytes = serializeSafetensors(tensors, { format: 'pt' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const { tensors: back, metadata } = parseSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...back.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [name, tensor] of tensors) {
      const copy = back.get(name)!;
      expect(copy.dtype).toBe(tensor.dtype);
      expect(copy.shape).toEqual(tensor.shape);
      expect(new Uint8Array(copy.data.buffer, copy.data.byteOffset, copy.data.byteLength)).toEqual(
        new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength),
      );
    }
  });

  it('lays tensors out largest element first, then by name, like the reference implementation', () => {
    const bytes = serializeSafetensors(
      new Map<string, HostTensor>([
        ['z', { dtype: 'uint8', shape: [1], data: Uint8Array.from([1]) }],
        ['b', { dtype: 'float32', shape: [1], data: Float32Array.from([1]) }],
        ['a', { dtype: 'float32', shape: [1], data: Float32Array.from([2]) }],
      ]),
    );
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(header.a.data_offsets).toEqual([0, 4]);
    expect(header.b.data_offsets).toEqual([4, 8]);
    expect(header.z.data_offsets).toEqual([8, 9]);
  });

  it('rejects data that does not match the dtype or the shape', () => {
    expect(() => serializeSafetensors(new Map([['w', { dtype: 'float32', shape: [2], data: Int32Array.from([1, 2]) }]]))).toThrow(
      /tensors\['w'\]\.data: float32 needs a Float32Array, got Int32Array/,
    );
    expect(() => serializeSafetensors(new Map([['w', { dtype: 'float32', shape: [3], data: new Float32Array(2) }]]))).toThrow(InvalidArgumentError);
  });
});

describe('parseSafetensors', () => {
  const oneFloat = new Uint8Array(new Float32Array([1]).buffer);
  const cases: [string, Uint8Array, RegExp][] = [
    ['a file shorter than 8 bytes', new Uint8Array(3), /shorter than the 8-byte header length/],
    ['a header length past the end', (() => { const bytes = fileFrom('{}'); new DataView(bytes.buffer).setBigUint64(0, 999n, true); return bytes; })(), /header length 999 runs past the end of the 10-byte file/],
    ['a header that is not JSON', fileFrom('{"w": '), /header is not valid UTF-8 JSON/],
    ['a header that is an array', fileFrom('[]'), /header is not a JSON object/],
    ['an unknown dtype', fileFrom('{"w":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}}', oneFloat), /tensor 'w': dtype "F99" is not supported/],
    ['a negative dimension', fileFrom('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', oneFloat), /tensor 'w': shape \[-1\]/],
    ['offsets out of range', fileFrom('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', oneFloat), /data_offsets \[0, 8\] exceed the 4-byte data section/],
    ['offsets reversed', fileFrom('{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}', oneFloat), /is not a pair \[begin, end\]/],
    ['shape × dtype not matching the byte length', fileFrom('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', oneFloat), /shape \[2\] of F32 needs 8 bytes but data_offsets span 4/],
    [
      'overlapping tensors',
      fileFrom('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}', oneFloat),
      /tensor 'b': data_offsets \[2, 4\] overlap another tensor/,
    ],
    ['a hole in the data', fileFrom('{"w":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}', oneFloat), /leave a hole at byte 0/],
    ['trailing bytes nobody owns', fileFrom('{"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}', oneFloat), /data section is 4 bytes but the tensors cover 2/],
    ['non-string metadata', fileFrom('{"__metadata__":{"step":3}}'), /__metadata__\.step: value must be a string/],
  ];
  for (const [what, bytes, message] of cases) {
    it(`names the file and the problem for ${what}`, () => {
      let caught: unknown;
      try {
        parseSafetensors(bytes, 'broken.safetensors');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidFileError);
      expect((caught as InvalidFileError).file).toBe('broken.safetensors');
      expect((caught as Error).message).toMatch(/^broken\.safetensors: /);
      expect((caught as Error).message).toMatch(message);
    });
  }

  it('accepts a header padded with trailing spaces', () => {
    const { tensors } = parseSafetensors(fileFrom('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}      ', oneFloat));
    expect(Array.from(tensors.get('w')!.data as Float32Array)).toEqual([1]);
  });
});

describe('fromFloat32', () => {
  it('rounds to the same float16 and bfloat16 bits as PyTorch', () => {
    const inputs = Float32Array.from(asNumbers(expected.inputs!));
    expect(Array.from(fromFloat32(inputs, [16], 'float16').data as Uint16Array)).toEqual(expected.f16Bits);
    expect(Array.from(fromFloat32(inputs, [16], 'bfloat16').data as Uint16Array)).toEqual(expected.bf16Bits);
  });

  it('keeps NaN a NaN in both half formats', () => {
    for (const dtype of ['float16', 'bfloat16'] as const) {
      expect(Number.isNaN(toFloat32(fromFloat32(Float32Array.from([Number.NaN]), [1], dtype))[0])).toBe(true);
    }
  });

  it('rejects a shape that does not match the values', () => {
    expect(() => fromFloat32(new Float32Array(3), [2, 2])).toThrow(/shape: \[2, 2\] needs 4 values, got 3/);
  });
});

describe('writeSafetensors', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'instructkit-safetensors-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('writes a file that reads back, leaving no temporary file behind', async () => {
    const file = path.join(directory, 'model.safetensors');
    const tensors: NamedTensors = new Map([['w', { dtype: 'float32', shape: [2], data: Float32Array.from([0.5, -1]) }]]);
    await writeSafetensors(file, tensors, { format: 'pt' });
    await writeSafetensors(file, tensors); // overwrite in place
    expect(await readdir(directory)).toEqual(['model.safetensors']);
    const { tensors: back, metadata } = await readSafetensors(file);
    expect(metadata).toEqual({});
    expect(Array.from(back.get('w')!.data as Float32Array)).toEqual([0.5, -1]);
  });
});
