import type { ResolvedAdamW } from '@instructkit/core';
import { F32, I32, MAX_PAGES, PAGE_BYTES, V128, f32x4, kernelModuleBytes, lazyKernelModule, op, v128Load, v128Store, webAssembly } from '../wasm/encode-wasm';
import { flatAdamWStep, type FlatSegment } from './flat-adamw';

/**
 * The four flat training buffers (parameters, gradients, first and second moments) inside one
 * WebAssembly memory, with an AdamW step that runs 128-bit SIMD over them. onnxruntime reads
 * and writes the same views (a WebAssembly memory is an ordinary ArrayBuffer; onnxruntime-node
 * refuses SharedArrayBuffers, so a second thread cannot share the update).
 */
export interface WasmAdamWBuffers {
  readonly parameters: Float32Array;
  readonly gradients: Float32Array;
  readonly firstMoments: Float32Array;
  readonly secondMoments: Float32Array;
  /**
   * `flatAdamWStep` over these buffers, with the arithmetic in float32 as `torch.optim.AdamW`
   * does it (the JavaScript step rounds once from float64).
   */
  step(segments: readonly FlatSegment[], settings: ResolvedAdamW, learningRate: number, step: number, gradientScale?: number): void;
}

/**
 * `adamw(p, g, m, v, bytes, gradientScale, beta1, 1−beta1, beta2, 1−beta2, decay, stepSize,
 * 1/√(1−β2ᵗ), ε)`: four floats per iteration over `bytes` (a multiple of 16) from the given byte
 * offsets — the loop of `flatAdamWStep`, in the same order of operations.
 */
function adamwModuleBytes(): Uint8Array {
  // Parameters 0–4: i32 offsets and length; 5–13: f32 scalars. Locals: 14 = i (i32),
  // 15–23 = the scalars splatted, 24–26 = g, m, v of the current four elements.
  const [p, g, m, v, bytes] = [0, 1, 2, 3, 4];
  const scalars = [5, 6, 7, 8, 9, 10, 11, 12, 13];
  const index = 14;
  const splat = (scalar: number) => 15 + (scalar - 5);
  const [gradientScale, beta1, oneMinusBeta1, beta2, oneMinusBeta2, decay, stepSize, inverseRoot, epsilon] = scalars.map(splat) as number[];
  const [gradient, first, second] = [24, 25, 26];
  const get = (local: number) => [op.localGet, local];
  const at = (base: number) => [...get(base), ...get(index), op.i32Add];
  const body = [
    ...scalars.flatMap((scalar) => [...get(scalar), ...f32x4.splat, op.localSet, splat(scalar)]),
    op.block, 0x40,
    op.loop, 0x40,
    ...get(index), ...get(bytes), op.i32GeU, op.brIf, 1,
    // g ← g · scale
    ...at(g), ...v128Load, ...get(gradientScale!), ...f32x4.mul, op.localSet, gradient,
    // m ← β1·m + (1−β1)·g
    ...at(m),
    ...at(m), ...v128Load, ...get(beta1!), ...f32x4.mul, ...get(gradient), ...get(oneMinusBeta1!), ...f32x4.mul, ...f32x4.add, op.localTee, first,
    ...v128Store,
    // v ← β2·v + (1−β2)·g·g
    ...at(v),
    ...at(v), ...v128Load, ...get(beta2!), ...f32x4.mul, ...get(gradient), ...get(oneMinusBeta2!), ...f32x4.mul, ...get(gradient), ...f32x4.mul, ...f32x4.add, op.localTee, second,
    ...v128Store,
    // p ← p·decay − stepSize·m / (√v · 1/√(1−β2ᵗ) + ε)
    ...at(p),
    ...at(p), ...v128Load, ...get(decay!), ...f32x4.mul,
    ...get(stepSize!), ...get(first), ...f32x4.mul,
    ...get(second), ...f32x4.sqrt, ...get(inverseRoot!), ...f32x4.mul, ...get(epsilon!), ...f32x4.add,
    ...f32x4.div, ...f32x4.sub,
    ...v128Store,
    ...get(index), op.i32Const, 16, op.i32Add, op.localSet, index,
    op.br, 0,
    op.end,
    op.end,
  ];
  return kernelModuleBytes('adamw', [I32, I32, I32, I32, I32, ...scalars.map(() => F32)], [I32, ...new Array<number>(12).fill(V128)], body);
}

// Null without WebAssembly SIMD in this runtime: the JavaScript step is used.
const adamwModule = lazyKernelModule(adamwModuleBytes);

/**
 * Allocates the flat buffers of `count` parameters in a WebAssembly memory with a SIMD AdamW
 * step, or returns undefined where that is not possible (no WebAssembly SIMD, or more than
 * 4 GiB of buffers: about 268 million parameters), so the caller keeps plain arrays and
 * `flatAdamWStep`.
 */
export function createWasmAdamWBuffers(count: number): WasmAdamWBuffers | undefined {
  const module = adamwModule();
  // Each buffer starts on a 16-byte boundary.
  const stride = Math.ceil((count * 4) / 16) * 16;
  const pages = Math.ceil((4 * stride) / PAGE_BYTES);
  if (!module || !webAssembly || pages > MAX_PAGES || pages === 0) return undefined;
  let memory: { readonly buffer: ArrayBuffer };
  try {
    memory = new webAssembly.Memory({ initial: pages, maximum: pages });
  } catch {
    return undefined;
  }
  const instance = new webAssembly.Instance(module, { env: { memory } });
  const adamw = instance.exports.adamw as (...args: number[]) => void;
  const view = (slot: number) => new Float32Array(memory.buffer, slot * stride, count);
  const buffers = { parameters: view(0), gradients: view(1), firstMoments: view(2), secondMoments: view(3) };
  return {
    ...buffers,
    step(segments, settings, learningRate, step, gradientScale = 1) {
      const { beta1, beta2, epsilon, weightDecay } = settings;
      const stepSize = learningRate / (1 - beta1 ** step);
      const inverseRoot = 1 / Math.sqrt(1 - beta2 ** step);
      for (const segment of segments) {
        const decay = segment.decay && weightDecay > 0 ? 1 - learningRate * weightDecay : 1;
        const vectorized = segment.size - (segment.size % 4);
        const offset = segment.offset * 4;
        adamw(offset, stride + offset, 2 * stride + offset, 3 * stride + offset, vectorized * 4, gradientScale, beta1, 1 - beta1, beta2, 1 - beta2, decay, stepSize, inverseRoot, epsilon);
        if (vectorized < segment.size) {
          // The last one to three elements of the segment.
          const tail = [{ offset: segment.offset + vectorized, size: segment.size - vectorized, decay: segment.decay }];
          flatAdamWStep(buffers.parameters, buffers.gradients, buffers.firstMoments, buffers.secondMoments, tail, settings, learningRate, step, gradientScale);
        }
      }
    },
  };
}
