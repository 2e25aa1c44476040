import { InvalidArgumentError, UnsupportedError, type HostTensor, type NamedTensors } from '@instructkit/core';

/**
 * One step of an exponential moving average of model parameters:
 * ema ← decay · ema + (1 − decay) · current, per float32 tensor. Integer tensors
 * (buffers) are copied from `current`. InstructGPT evaluates the EMA of the PPO
 * policy's weights with decay 0.992 (App. C.4).
 *
 * @param ema - Average so far (the initial policy's parameters at the start).
 * @param current - The policy's parameters after an update; same names and shapes.
 * @param decay - Weight of the old average, in [0, 1]. Default: 0.992.
 * @returns A new map; the inputs are not modified.
 * @throws InvalidArgumentError when names, shapes or dtypes disagree or decay is out of range.
 * @throws UnsupportedError for float16/bfloat16 tensors (average in float32 instead).
 */
export function updateEma(ema: NamedTensors, current: NamedTensors, decay = 0.992): NamedTensors {
  if (!(decay >= 0 && decay <= 1)) throw new InvalidArgumentError('emaDecay', `must be in [0, 1], got ${decay}`);
  if (ema.size !== current.size) throw new InvalidArgumentError('parameters', `EMA has ${ema.size} tensors, model has ${current.size}`);
  const averaged: NamedTensors = new Map();
  for (const [name, tensor] of current) {
    const previous = ema.get(name);
    if (!previous) throw new InvalidArgumentError(`parameters.${name}`, 'is missing from the EMA');
    if (previous.dtype !== tensor.dtype || previous.shape.join(',') !== tensor.shape.join(',')) {
      throw new InvalidArgumentError(
        `parameters.${name}`,
        `EMA has ${previous.dtype}[${previous.shape.join(',')}], model has ${tensor.dtype}[${tensor.shape.join(',')}]`,
      );
    }
    averaged.set(name, averageTensor(name, previous, tensor, decay));
  }
  return averaged;
}

function averageTensor(name: string, previous: HostTensor, current: HostTensor, decay: number): HostTensor {
  if (current.dtype === 'float16' || current.dtype === 'bfloat16') {
    throw new UnsupportedError(`EMA of ${current.dtype} tensor ${name}: keep the average in float32`);
  }
  if (current.dtype !== 'float32') return { dtype: current.dtype, shape: [...current.shape], data: current.data.slice() };
  const old = previous.data as Float32Array;
  const now = current.data as Float32Array;
  const data = new Float32Array(now.length);
  for (let index = 0; index < now.length; index++) data[index] = decay * old[index]! + (1 - decay) * now[index]!;
  return { dtype: 'float32', shape: [...current.shape], data };
}
