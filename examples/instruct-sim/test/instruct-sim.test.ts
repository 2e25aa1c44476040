import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error The example is a plain JavaScript program.
import { run } from '../main.mjs';

describe('the instruct-sim example', () => {
  it('runs pretraining, SFT, the reward model, PPO and the gold-judge win rates on toy settings', async () => {
    const runDirectory = await mkdtemp(path.join(tmpdir(), 'instruct-sim-'));
    try {
      const result = (await run({ scale: 'tiny', runDirectory, log: () => {} })) as {
        winRates: { a: string; b: string; rate: number; ciLow: number; ciHigh: number; n: number }[];
        ppo: { reward: number; kl: number }[];
      };
      expect(result.winRates.map((win) => `${win.a}/${win.b}`)).toEqual(['sft/base', 'sft/base-prompted', 'ppo/sft']);
      for (const win of result.winRates) {
        expect(win.n).toBe(16);
        expect(win.ciLow).toBeLessThanOrEqual(win.rate);
        expect(win.rate).toBeLessThanOrEqual(win.ciHigh);
      }
      expect(result.ppo).toHaveLength(2);
      expect(result.ppo.every((iteration) => Number.isFinite(iteration.reward) && Number.isFinite(iteration.kl))).toBe(true);
    } finally {
      await rm(runDirectory, { recursive: true, force: true });
    }
  }, 180_000);
});
