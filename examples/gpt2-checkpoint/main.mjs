// Load a Hugging Face GPT-2 layout directory (config.json + model.safetensors), generate a
// continuation, and score token log-probabilities — checked against numbers PyTorch computed.
//
//   npm start                         the tiny GPT-2 fixture shipped with @instructkit/test-utils
//   npm start -- path/to/gpt2-dir     any GPT-2 directory (with tokenizer.json or vocab.json +
//                                     merges.txt, prompts are text; without, token ids)
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generate } from '@instructkit/core';
import { loadCausalLM } from '@instructkit/tfjs';
import { loadTokenizer } from '@instructkit/tokenizer';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The tiny GPT-2 written by PyTorch (scripts/dev/make-gpt2-fixture.py), with reference log-probabilities. */
export const FIXTURE = path.resolve(here, '../../packages/test-utils/fixtures/tiny-gpt2');

/**
 * Runs the example on `directory`.
 * @param {{ directory?: string, prompt?: string, maxNewTokens?: number, log?: (line: string) => void }} [options]
 * @returns {Promise<{ completionIds: number[], completion?: string, maxLogprobError?: number }>}
 */
export async function run(options = {}) {
  const directory = options.directory ?? FIXTURE;
  const log = options.log ?? console.log;
  const model = await loadCausalLM(directory);
  log(`loaded ${directory}: ${model.config.numLayers} layers, width ${model.config.hiddenSize}, vocabulary ${model.config.vocabSize}`);
  try {
    // A real GPT-2 directory carries its tokenizer; the fixture's vocabulary is 128 bare ids.
    const hasTokenizer = ['tokenizer.json', 'vocab.json'].some((file) => existsSync(path.join(directory, file)));
    const tokenizer = hasTokenizer ? await loadTokenizer(directory) : undefined;
    const promptIds = tokenizer ? tokenizer.encode(options.prompt ?? 'The meaning of life is') : [5, 17, 42, 99];
    const { sequences } = await generate({
      model,
      prompts: [Int32Array.from(promptIds)],
      sampling: { maxNewTokens: options.maxNewTokens ?? 12, temperature: 0, ...(model.config.eosTokenId !== undefined ? { eosTokenIds: [model.config.eosTokenId] } : {}) },
    });
    const completionIds = [...sequences[0].completionIds];
    const completion = tokenizer?.decode(completionIds);
    log(`greedy continuation of ${JSON.stringify(tokenizer ? options.prompt ?? 'The meaning of life is' : promptIds)}: ${completion !== undefined ? JSON.stringify(completion) : completionIds.join(' ')}`);

    // Score: log p(ids[t+1] | ids[..t]) for each position, the way `instructkit logprobs` does.
    const expectedFile = path.join(directory, 'expected.json');
    if (!existsSync(expectedFile)) return { completionIds, ...(completion !== undefined ? { completion } : {}) };
    const { cases } = JSON.parse(readFileSync(expectedFile, 'utf8'));
    let maxLogprobError = 0;
    for (const { ids, logprobs: expected } of cases) {
      const { logprobs } = await model.doLogprobs({ batch: { batchSize: 1, length: ids.length, ids: Int32Array.from(ids), attentionMask: new Uint8Array(ids.length).fill(1) } });
      expected.forEach((value, t) => {
        maxLogprobError = Math.max(maxLogprobError, Math.abs(logprobs[t] - value));
      });
    }
    log(`log-probabilities of ${cases.length} sequences match PyTorch's to ${maxLogprobError.toExponential(2)} (float32 vs float64)`);
    return { completionIds, maxLogprobError };
  } finally {
    model.dispose();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run({ directory: process.argv[2] });
}
