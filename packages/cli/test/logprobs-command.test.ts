import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { fixturePath } from '@instructkit/test-utils';
import { createProgram } from '../src/program';

interface Expected {
  cases: { ids: number[]; logprobs: number[] }[];
}

/** Runs `instructkit …` in-process and returns what it wrote to stdout. */
async function runCli(args: string[]): Promise<string> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    await createProgram().exitOverride().parseAsync(args, { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return stdout;
}

describe('instructkit logprobs', () => {
  it('prints log p(ids[i+1] | ids[..i]) equal to the independent PyTorch reference for an HF GPT-2 directory', async () => {
    const expected = JSON.parse(readFileSync(fixturePath('tiny-gpt2/expected.json'), 'utf8')) as Expected;
    const longest = expected.cases.reduce((a, b) => (b.ids.length > a.ids.length ? b : a));
    const output = JSON.parse(await runCli(['logprobs', '--model', fixturePath('tiny-gpt2'), '--ids', longest.ids.join(',')]));
    expect(output.logprobs).toHaveLength(longest.ids.length - 1);
    output.logprobs.forEach((value: number, i: number) => expect(value).toBeCloseTo(longest.logprobs[i]!, 4));
  });

  it('runs on onnxruntime for a directory exported with export-onnx, with the same log-probs', async () => {
    const expected = JSON.parse(readFileSync(fixturePath('tiny-gpt2/expected.json'), 'utf8')) as Expected;
    const exported = mkdtempSync(path.join(os.tmpdir(), 'logprobs-onnx-'));
    try {
      await runCli(['export-onnx', '--model', fixturePath('tiny-gpt2'), '--out', exported]);
      for (const testCase of expected.cases) {
        const output = JSON.parse(await runCli(['logprobs', '--model', exported, '--ids', testCase.ids.join(',')]));
        expect(output.logprobs).toHaveLength(testCase.ids.length - 1);
        output.logprobs.forEach((value: number, i: number) => expect(value).toBeCloseTo(testCase.logprobs[i]!, 4));
      }
    } finally {
      rmSync(exported, { recursive: true, force: true });
    }
  });

  it('names the bad entry of --ids', async () => {
    await expect(runCli(['logprobs', '--model', fixturePath('tiny-gpt2'), '--ids', '1,x,3'])).rejects.toThrow('--ids[1]: "x" is not a non-negative integer');
  });
});
