import { describe, expect, it } from 'vitest';
import { benchTrain } from '../src/commands/bench';

describe('instructkit bench train', () => {
  it('trains the 4m preset on the ONNX engine and reports tokens/s and peak RSS', async () => {
    const result = await benchTrain({ engine: 'onnx', preset: '4m', steps: 1 });
    expect(result).toMatchObject({ engine: 'onnxruntime-cpu', preset: '4m', parameters: 4_240_896, batchSize: 8, length: 128, steps: 1 });
    expect(result.tokensPerSecond).toBeCloseTo((8 * 128) / (result.medianStepMs / 1000), 6);
    expect(result.peakRssMB).toBeGreaterThan(100);
    expect(result.ratioToPytorchReference).toBeCloseTo(result.tokensPerSecond / 5260, 9);
  });

  it('rejects an unknown preset and a step count below one', async () => {
    await expect(benchTrain({ engine: 'onnx', preset: '7b', steps: 1 })).rejects.toThrow(/"7b" is not one of 4m, 30m, 124m/);
    await expect(benchTrain({ engine: 'onnx', preset: '4m', steps: 0 })).rejects.toThrow(/integer ≥ 1/);
  });
});
