import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error The example is a plain JavaScript program.
import { SHIPPED_PAIRS, run } from '../main.mjs';

describe('the bring-your-own-data example', () => {
  it('trains a reward model on the shipped TRL file that ranks held-out pairs better than chance', async () => {
    const runDirectory = await mkdtemp(path.join(tmpdir(), 'byod-'));
    try {
      const result = (await run({ file: SHIPPED_PAIRS, epochs: 3, hiddenSize: 32, runDirectory, log: () => {} })) as { trainPairs: number; heldOutPairs: number; accuracy: number };
      expect(result.trainPairs).toBe(160);
      expect(result.heldOutPairs).toBe(40);
      expect(result.accuracy).toBeGreaterThan(0.5);
    } finally {
      await rm(runDirectory, { recursive: true, force: true });
    }
  }, 120_000);
});
