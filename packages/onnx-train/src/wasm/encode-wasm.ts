/**
 * A minimal WebAssembly binary writer for the two SIMD kernels of this package (AdamW and the
 * dropout masks): a handful of opcodes, no toolchain. Kernels are small enough to read as
 * opcode lists, and are checked against their JavaScript references in the tests.
 */

// WebAssembly memories are limited to 4 GiB (65,536 pages of 64 KiB).
export const PAGE_BYTES = 65536;
export const MAX_PAGES = 65536;

export const leb = (value: number): number[] => {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
};
export const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
export const vector = (items: number[][]) => [...leb(items.length), ...items.flat()];
export const name = (text: string) => [...leb(text.length), ...Array.from(text, (character) => character.charCodeAt(0))];

// Opcodes (WebAssembly core and fixed-width SIMD).
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Mul: 0x6c,
};

/** Signed LEB128 (the immediate of `i32.const`). */
export const sleb = (value: number): number[] => {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
};
export const simd = (code: number) => [0xfd, ...leb(code)];
export const v128Load = [...simd(0x00), 0, 0]; // memarg: alignment hint 1 byte (segments start anywhere), offset 0
export const v128Store = [...simd(0x0b), 0, 0];
export const f32x4 = { splat: simd(0x13), sqrt: simd(0xe3), add: simd(0xe4), sub: simd(0xe5), mul: simd(0xe6), div: simd(0xe7) };
export const i32x4 = { splat: simd(0x11), geU: simd(0x40), shl: simd(0xab), shrU: simd(0xad), mul: simd(0xb5) };
export const v128 = { and: simd(0x4e), or: simd(0x50), xor: simd(0x51) };

/**
 * A module of one exported function `name` over an imported memory `env.memory`:
 * `params` and `locals` are value types, `body` the instructions (without the final `end`).
 */
export function kernelModuleBytes(exportName: string, params: readonly number[], locals: readonly number[], body: readonly number[]): Uint8Array {
  // Locals are declared in runs of one type.
  const runs: number[][] = [];
  for (const type of locals) {
    const last = runs[runs.length - 1];
    if (last && last[1] === type) last[0]! += 1;
    else runs.push([1, type]);
  }
  const code = [...vector(runs), ...body, op.end];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector([[0x60, ...vector(params.map((type) => [type])), 0]])),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, ...leb(1)]])),
    ...section(3, vector([[0]])),
    ...section(7, vector([[...name(exportName), 0x00, 0]])),
    ...section(10, vector([[...leb(code.length), ...code]])),
  ]);
}

// The few WebAssembly APIs used here (the ES2022 library this package compiles against declares none).
export interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  readonly Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
}
export const webAssembly = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/**
 * A kernel module compiled on first use, or null where this runtime has no WebAssembly (SIMD):
 * the caller then falls back to its JavaScript implementation.
 */
export function lazyKernelModule(bytes: () => Uint8Array): () => object | null {
  let compiled: object | null | undefined;
  return () => {
    if (compiled === undefined) {
      try {
        if (!webAssembly) throw new Error('no WebAssembly');
        compiled = new webAssembly.Module(bytes());
      } catch {
        compiled = null;
      }
    }
    return compiled;
  };
}
