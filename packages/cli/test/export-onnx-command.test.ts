import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHuggingFaceConfig, writeSafetensors } from '@instructkit/core';
import { createOrtCausalLM } from '@instructkit/onnx';
import { createProgram } from '../src/program';
import { randomGpt2Weights, tinyConfig } from '../../onnx/test/helpers';
import { runProgram } from './run-program';

const root = mkdtempSync(path.join(tmpdir(), 'instructkit-cli-onnx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const { exitCode, stdout, stderr } = await runProgram(createProgram(), args);
  return { exitCode, stdout, stderr };
}

describe('instructkit export-onnx', () => {
  it('writes model.onnx, config.json and tokenizer.json that onnxruntime loads', async () => {
    const checkpoint = path.join(root, 'checkpoint');
    mkdirSync(checkpoint);
    writeFileSync(path.join(checkpoint, 'config.json'), JSON.stringify(toHuggingFaceConfig(tinyConfig)));
    writeFileSync(path.join(checkpoint, 'tokenizer.json'), '{}');
    await writeSafetensors(path.join(checkpoint, 'model.safetensors'), randomGpt2Weights(tinyConfig, 1));
    const out = path.join(root, 'out');
    const result = await run(['export-onnx', '--model', checkpoint, '--out', out, '--precision', 'int8', '--operators', 'onnxruntime']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/exported lm model \(int8, onnxruntime ops\)/);
    expect(readdirSync(out).sort()).toEqual(['config.json', 'model.onnx', 'tokenizer.json']);
    const model = await createOrtCausalLM({ directory: out, sessionOptions: { intraOpThreads: 1 } });
    expect(model.config.numLayers).toBe(tinyConfig.numLayers);
    await model.dispose();
  });

  it('fails with the missing file named when the checkpoint has no config.json', async () => {
    await expect(run(['export-onnx', '--model', path.join(root, 'nowhere'), '--out', path.join(root, 'out2')])).rejects.toThrow(/nowhere.config\.json/);
  });
});
