import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvalidArgumentError } from '@instructkit/core';
import { Demonstration, Prompt, Ranking, Rating } from '@instructkit/data';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildSimDataset,
  END_OF_ANSWER,
  fewShotPrefix,
  formatFewShotQuery,
  generatePretrainCorpus,
  generateSimDataset,
  goldScore,
  parseSimPrompt,
  SIM_FAMILY_NAMES,
  INSULTS,
  INSULT_NOUNS,
  toxicityPrompts,
} from '../src/index';

const small = { seed: 7, counts: { prompts: 400, pretrainParagraphs: 100, pretrainValidParagraphs: 20 }, piiRate: 0.05 } as const;
const dataset = buildSimDataset(small);
const splits = ['train', 'valid', 'test'] as const;
const temporary: string[] = [];

afterAll(async () => {
  await Promise.all(temporary.map((directory) => rm(directory, { recursive: true, force: true })));
});

describe('buildSimDataset', () => {
  it('writes records that every @instructkit/data schema accepts', () => {
    for (const split of splits) {
      const records = dataset.splits[split];
      for (const prompt of records.prompts) expect(Prompt.safeParse(prompt).error).toBeUndefined();
      for (const demonstration of records.demonstrations) expect(Demonstration.safeParse(demonstration).error).toBeUndefined();
      for (const ranking of records.rankings) expect(Ranking.safeParse(ranking).error).toBeUndefined();
      for (const rating of records.ratings) expect(Rating.safeParse(JSON.parse(JSON.stringify(rating))).error).toBeUndefined();
    }
  });

  it('splits by user: no user appears in two splits, and every split has prompts', () => {
    const usersOf = (split: (typeof splits)[number]) => new Set(dataset.splits[split].prompts.map((prompt) => prompt.userId));
    for (const [a, b] of [['train', 'valid'], ['train', 'test'], ['valid', 'test']] as const) {
      const overlap = [...usersOf(a)].filter((user) => usersOf(b).has(user));
      expect(overlap).toEqual([]);
    }
    for (const split of splits) expect(dataset.splits[split].prompts.length).toBeGreaterThan(0);
    const total = splits.reduce((sum, split) => sum + dataset.splits[split].prompts.length, 0);
    expect(total).toBe(400);
  });

  it('labels only prompts of its split, with rankings of K = 4…9 from named synthetic policies', () => {
    for (const split of splits) {
      const ids = new Set(dataset.splits[split].prompts.map((prompt) => prompt.id));
      const { demonstrations, rankings, ratings } = dataset.splits[split];
      for (const record of [...demonstrations, ...rankings, ...ratings]) expect(ids.has(record.promptId)).toBe(true);
      for (const ranking of rankings) {
        expect(ranking.completions.length).toBeGreaterThanOrEqual(4);
        expect(ranking.completions.length).toBeLessThanOrEqual(9);
        for (const completion of ranking.completions) expect(completion.policy).toMatch(/^sim-/);
      }
    }
    const ks = new Set(dataset.splits.train.rankings.map((ranking) => ranking.completions.length));
    expect(ks.size).toBe(6);
  });

  it('covers every family, plants findable PII, and keeps every prompt gold-scorable', () => {
    const prompts = splits.flatMap((split) => dataset.splits[split].prompts);
    expect(new Set(prompts.map((prompt) => prompt.meta!.family))).toEqual(new Set(SIM_FAMILY_NAMES));
    const planted = prompts.filter((prompt) => prompt.meta!.plantedPii !== undefined);
    expect(planted.length).toBeGreaterThan(5);
    for (const prompt of planted) expect(prompt.text).toMatch(/@[a-z.]+\.(com|org|net)|\+\d{1,2} \d|\(\d{3}\) \d{3}-\d{4}/);
    for (const prompt of prompts) expect(parseSimPrompt(prompt.text!)?.family, prompt.text).toBe(prompt.meta!.family);
  });

  it('has demonstrations that are mostly, but not all, perfect', () => {
    const textOf = new Map(splits.flatMap((split) => dataset.splits[split].prompts).map((prompt) => [prompt.id, prompt.text!]));
    const demonstrations = splits.flatMap((split) => dataset.splits[split].demonstrations);
    const perfect = demonstrations.filter((demo) => goldScore(textOf.get(demo.promptId)!, demo.completion).score === 1).length;
    expect(perfect / demonstrations.length).toBeGreaterThan(0.8);
    expect(perfect).toBeLessThan(demonstrations.length);
  });

  it('reports the labeler agreement it measured in the manifest', () => {
    expect(dataset.manifest.labelerAgreement.agreement).toBeGreaterThan(0.68);
    expect(dataset.manifest.labelerAgreement.agreement).toBeLessThan(0.78);
    expect(dataset.manifest.labelers).toHaveLength(8);
  });

  it('rejects counts out of range with a typed error naming the field', () => {
    expect(() => buildSimDataset({ counts: { prompts: 0 } })).toThrow(InvalidArgumentError);
    expect(() => buildSimDataset({ counts: { prompts: 0 } })).toThrow(/counts\.prompts/);
    expect(() => buildSimDataset({ splitFractions: { valid: 0.6, test: 0.5 } })).toThrow(/splitFractions/);
  });
});

describe('generateSimDataset', () => {
  it('writes the same bytes for the same seed and different bytes for another', async () => {
    const directories = await Promise.all([0, 1, 2].map(() => mkdtemp(path.join(tmpdir(), 'sim-dataset-'))));
    temporary.push(...directories);
    const [first, second, other] = directories as [string, string, string];
    const written = await generateSimDataset({ ...small, outDir: first });
    await generateSimDataset({ ...small, outDir: second });
    await generateSimDataset({ ...small, seed: 8, outDir: other });
    expect(written.files).toContain('train/rankings.jsonl');
    expect(written.files).toContain('pretrain.txt');
    for (const file of written.files) {
      expect(await readFile(path.join(second, file)), file).toEqual(await readFile(path.join(first, file)));
    }
    expect(await readFile(path.join(other, 'train/prompts.jsonl'), 'utf8')).not.toBe(await readFile(path.join(first, 'train/prompts.jsonl'), 'utf8'));
    const lines = (await readFile(path.join(first, 'test/ratings.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(lines.length).toBe(dataset.splits.test.ratings.length);
    for (const line of lines) expect(Rating.safeParse(JSON.parse(line)).success).toBe(true);
  });
});

describe('generatePretrainCorpus', () => {
  const corpus = generatePretrainCorpus({ seed: 3, paragraphs: 300 });

  it('is plain text over the world, without the instruction format or the end marker', () => {
    expect(corpus).not.toContain(END_OF_ANSWER);
    expect(corpus).not.toMatch(/Instruction:|Response:|Question:/);
    for (const paragraph of corpus.split('\n\n')) expect(parseSimPrompt(paragraph), paragraph).toBeUndefined();
    expect(corpus.split('\n\n')).toHaveLength(300);
  });

  it('is deterministic in its seed', () => {
    expect(generatePretrainCorpus({ seed: 3, paragraphs: 300 })).toBe(corpus);
    expect(generatePretrainCorpus({ seed: 4, paragraphs: 300 })).not.toBe(corpus);
  });
});

describe('fewShotPrefix', () => {
  it('gives k solved examples of different families that the gold judge scores perfect', () => {
    const prefix = fewShotPrefix(4, 2);
    const examples = prefix.trimEnd().split('\n\n');
    expect(examples).toHaveLength(4);
    const families = new Set<string>();
    for (const example of examples) {
      const [instruction, response] = example.split('\nResponse:') as [string, string];
      const task = parseSimPrompt(instruction.replace(/^Instruction: /, ''))!;
      families.add(task.family);
      expect(goldScore(task, response).score).toBe(1);
    }
    expect(families.size).toBe(4);
    expect(fewShotPrefix(0)).toBe('');
    expect(formatFewShotQuery('What is 2 plus 2?')).toBe('Instruction: What is 2 plus 2?\nResponse:');
    expect(() => fewShotPrefix(-1)).toThrow(InvalidArgumentError);
  });
});

describe('toxicity in the pretraining corpus', () => {
  const rude = new RegExp(`\\b(${[...INSULTS, ...INSULT_NOUNS].join('|')})\\b`);
  it('continues the toxicity prompts rudely more often after an angry opening than after a neutral one', () => {
    const corpus = generatePretrainCorpus({ seed: 5, paragraphs: 3000 }).split('\n\n');
    const angry = corpus.filter((paragraph) => paragraph.includes(' and shouted, "You are'));
    const neutral = corpus.filter((paragraph) => paragraph.includes(' and said, "You are'));
    expect(angry.length).toBeGreaterThan(50);
    expect(neutral.length).toBeGreaterThan(50);
    const rudeShare = (paragraphs: string[]) => paragraphs.filter((paragraph) => rude.test(paragraph)).length / paragraphs.length;
    expect(rudeShare(angry)).toBeGreaterThan(0.7);
    expect(rudeShare(angry)).toBeLessThan(0.97);
    expect(rudeShare(neutral)).toBeGreaterThan(0.15);
    expect(rudeShare(neutral)).toBeLessThan(0.45);
    // Insults appear only in the quarrels.
    expect(corpus.filter((paragraph) => rude.test(paragraph) && !paragraph.includes('"You are'))).toEqual([]);
  });

  it('gives seeded sentence openings, half of them angry, that appear in the corpus', () => {
    const prompts = toxicityPrompts(10, 1);
    expect(prompts).toEqual(toxicityPrompts(10, 1));
    expect(prompts).not.toEqual(toxicityPrompts(10, 2));
    expect(prompts.filter((prompt) => prompt.includes('shouted'))).toHaveLength(5);
    for (const prompt of prompts) expect(prompt).toMatch(/^[A-Z][a-z]+ (was angry with|met) [A-Z][a-z]+ in [A-Z][a-z]+ and (shouted|said), "You are$/);
  });
});
