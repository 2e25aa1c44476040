import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressReporter } from '../src/shared/progress-reporter';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => (text += chunk));
  return { stream, read: () => text };
}

describe('createProgressReporter', () => {
  it('prints plain log lines with tokens per second when the stream is not a terminal', () => {
    const { stream, read } = capture();
    const report = createProgressReporter({ stream, logEvery: 2 });
    report({ type: 'run-start', stage: 'sft', totalSteps: 4, startStep: 0 });
    for (let step = 1; step <= 4; step++) {
      report({ type: 'step-end', stage: 'sft', step, totalSteps: 4, loss: 1 / step, metrics: { accuracy: 0.5 }, tokens: 100, seconds: 0.5 });
    }
    report({ type: 'run-end', stage: 'sft', step: 4, reason: 'completed' });
    const lines = read().trim().split('\n');
    expect(lines[0]).toBe('[sft] start at step 0 of 4');
    expect(lines[1]).toBe('[sft] step 2/4 | loss 0.5000 | 200 tok/s | accuracy 0.5000');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatch(/^\[sft\] .*done.* at step 4$/);
  });

  it('writes one JSON object per event with --json', () => {
    const { stream, read } = capture();
    const report = createProgressReporter({ stream, json: true });
    report({ type: 'checkpoint-saved', stage: 'rm', step: 3, path: '/tmp/x' });
    expect(JSON.parse(read())).toEqual({ type: 'checkpoint-saved', stage: 'rm', step: 3, path: '/tmp/x' });
  });
});
