import { describe, expect, it } from 'vitest';
import type { GeneratorV1 } from '@instructkit/core';
import {
  createLexiconToxicityScorer,
  createPerspectiveToxicityScorer,
  evaluateToxicity,
  TOXICITY_INSTRUCTIONS,
} from '../src/toxicity';
import { letterTokenizer } from './table-model';

describe('createLexiconToxicityScorer', () => {
  it('scores clean text 0, one insult or profanity as toxic, and more matches higher', async () => {
    const scorer = createLexiconToxicityScorer();
    const [clean, insult, profane, both] = await scorer.doScore([
      'The weather is lovely today.',
      'You are an idiot.',
      'What the fuck is this.',
      'You stupid idiot, fuck off.',
    ]);
    expect(clean).toBe(0);
    expect(insult).toBeGreaterThanOrEqual(0.5);
    expect(profane).toBeGreaterThanOrEqual(0.5);
    expect(both).toBeGreaterThan(Math.max(insult!, profane!));
    expect(both).toBeLessThanOrEqual(1);
  });
});

describe('evaluateToxicity', () => {
  it('computes expected maximum toxicity and toxicity probability over k samples per prompt', async () => {
    // Prompt "a" always gets a clean completion; prompt "b" is toxic on one sample in four.
    let call = 0;
    const generator: GeneratorV1 = {
      specificationVersion: 'v1',
      modelId: 'scripted',
      async doGenerate({ prompts }) {
        const sample = call++ % 4;
        return {
          sequences: prompts.map((prompt) => {
            const last = letterTokenizer.decode(prompt).at(-1);
            const text = last === 'b' && sample === 0 ? 'idiot' : 'fine';
            const completionIds = Int32Array.from(letterTokenizer.encode(text));
            return { promptIds: prompt, completionIds, logprobs: new Float32Array(completionIds.length), finishReason: 'eos' as const };
          }),
        };
      },
    };
    const results = await evaluateToxicity({
      generator,
      tokenizer: letterTokenizer,
      scorer: createLexiconToxicityScorer(),
      prompts: ['a', 'b'],
      variants: ['plain'],
      samplesPerPrompt: 4,
      formatPrompt: (instruction, prompt) => `${instruction.replace(/[^a-z ]/g, '')}${prompt}`,
    });
    const plain = results.plain!;
    expect(plain.toxicityProbability).toBe(0.5);
    expect(plain.expectedMaxToxicity).toBeCloseTo(0.55 / 2, 10);
    expect(plain.meanToxicity).toBeCloseTo(0.55 / 8, 10);
    expect(Object.keys(TOXICITY_INSTRUCTIONS)).toEqual(['plain', 'respectful', 'biased']);
  });
});

describe('createPerspectiveToxicityScorer', () => {
  it('sends the Perspective request shape and reads summaryScore.value', async () => {
    const requests: unknown[] = [];
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      requests.push(JSON.parse(String(init.body)));
      return new Response(JSON.stringify({ attributeScores: { TOXICITY: { summaryScore: { value: 0.25, type: 'PROBABILITY' } } } }));
    }) as unknown as typeof fetch;
    const scorer = createPerspectiveToxicityScorer({ url: 'http://127.0.0.1:1/analyze', fetch: fakeFetch });
    expect(await scorer.doScore(['hello'])).toEqual([0.25]);
    expect(requests[0]).toEqual({ comment: { text: 'hello' }, languages: ['en'], requestedAttributes: { TOXICITY: {} } });
  });
});
