import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError, toHuggingFaceConfig, writeSafetensors } from '@instructkit/core';
import { createOrtScalarModel, exportCheckpointToOnnx, loadOnnxCausalLMIfExported } from '../src/index';
import { maxAbsDiff, randomGpt2Weights, referenceGpt2, rightPaddedBatch, tinyConfig } from './helpers';

const root = mkdtempSync(path.join(tmpdir(), 'instructkit-onnx-checkpoint-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function writeCheckpoint(name: string, weights: Map<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
  const directory = path.join(root, name);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(directory, { recursive: true });
  writeFileSync(path.join(directory, 'config.json'), JSON.stringify(toHuggingFaceConfig(tinyConfig, extra)));
  // Hugging Face files prefix the trunk with `transformer.` (the score head is not); the exporter accepts both.
  const prefixed = new Map([...weights].map(([key, value]) => [key.startsWith('score.') ? key : `transformer.${key}`, value])) as Parameters<typeof writeSafetensors>[1];
  await writeSafetensors(path.join(directory, 'model.safetensors'), prefixed, { format: 'pt' });
  writeFileSync(path.join(directory, 'tokenizer.json'), '{"model":{"type":"BPE"}}');
  return directory;
}

describe('exportCheckpointToOnnx', () => {
  it('exports a checkpoint directory that loadOnnxCausalLMIfExported runs with the same logits', async () => {
    const weights = randomGpt2Weights(tinyConfig, 8);
    const checkpoint = await writeCheckpoint('policy', weights);
    const out = path.join(root, 'policy-onnx');
    const result = await exportCheckpointToOnnx({ modelDirectory: checkpoint, outDirectory: out });
    expect(result.head).toBe('lm');
    expect(result.files.map((file) => path.basename(file))).toEqual(['model.onnx', 'config.json', 'tokenizer.json']);
    expect(readFileSync(path.join(out, 'tokenizer.json'), 'utf8')).toContain('BPE');
    const model = await loadOnnxCausalLMIfExported(out, { intraOpThreads: 1 });
    expect(model?.config.vocabSize).toBe(tinyConfig.vocabSize);
    expect(model?.tokenizerPath).toBe(path.join(out, 'tokenizer.json'));
    const ids = [1, 5, 9, 13, 17];
    const { logits } = await model!.doLogits({ batch: rightPaddedBatch([ids], 0) });
    expect(maxAbsDiff(logits, referenceGpt2(tinyConfig, weights, ids).logits)).toBeLessThan(1e-4);
    await model!.dispose();
  });

  it('exports a checkpoint with a score head as a scalar model', async () => {
    const weights = randomGpt2Weights(tinyConfig, 9, { scoreHead: true });
    const checkpoint = await writeCheckpoint('reward', weights);
    const out = path.join(root, 'reward-onnx');
    const result = await exportCheckpointToOnnx({ modelDirectory: checkpoint, outDirectory: out, precision: 'float16' });
    expect(result.head).toBe('scalar');
    const model = await createOrtScalarModel({ directory: out, sessionOptions: { intraOpThreads: 1 } });
    const { scores } = await model.doScore({ batch: rightPaddedBatch([[2, 4, 6]], 0) });
    expect(scores).toHaveLength(1);
    expect(Number.isFinite(scores[0])).toBe(true);
    await model.dispose();
  });

  it('returns undefined for a directory without an ONNX model and names a missing checkpoint', async () => {
    expect(await loadOnnxCausalLMIfExported(root)).toBeUndefined();
    const empty = path.join(root, 'empty');
    await exportCheckpointToOnnx({ modelDirectory: empty, outDirectory: path.join(root, 'x') }).catch((error: unknown) => {
      expect(error).toBeInstanceOf(Error);
      expect(String(error)).toMatch(/empty.config\.json/);
    });
    writeFileSync(path.join(root, 'config.json'), JSON.stringify(toHuggingFaceConfig(tinyConfig)));
    await expect(exportCheckpointToOnnx({ modelDirectory: root, outDirectory: path.join(root, 'x') })).rejects.toBeInstanceOf(CheckpointError);
    expect(existsSync(path.join(root, 'x', 'model.onnx'))).toBe(false);
  });
});
