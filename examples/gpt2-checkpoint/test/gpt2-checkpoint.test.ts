import { describe, expect, it } from 'vitest';
// @ts-expect-error The example is a plain JavaScript program.
import { FIXTURE, run } from '../main.mjs';

describe('the gpt2-checkpoint example', () => {
  it('loads the PyTorch-written GPT-2, generates greedily and scores like PyTorch', async () => {
    const lines: string[] = [];
    const result = (await run({ directory: FIXTURE, maxNewTokens: 5, log: (line: string) => lines.push(line) })) as { completionIds: number[]; maxLogprobError: number };
    expect(result.completionIds.length).toBeGreaterThan(0);
    expect(result.completionIds.length).toBeLessThanOrEqual(5);
    expect(result.completionIds.every((id) => Number.isInteger(id) && id >= 0 && id < 128)).toBe(true);
    expect(result.maxLogprobError).toBeLessThan(1e-3);
    expect(lines.join('\n')).toMatch(/match PyTorch's/);
  });
});
