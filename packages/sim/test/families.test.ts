import { describe, expect, it } from 'vitest';
import {
  familyByName,
  fewShotPrefix,
  formatFewShotQuery,
  goldScore,
  parseSimPrompt,
  renderTemplate,
  sampleSimTask,
  SeededRandom,
  SIM_FAMILIES,
  SIM_FAMILY_NAMES,
  withEnd,
  synthesizeCompletion,
} from '../src/index';

describe('sim task families', () => {
  it('has at least eight families, each with several paraphrases', () => {
    expect(SIM_FAMILIES.length).toBeGreaterThanOrEqual(8);
    for (const family of SIM_FAMILIES) expect(family.templates.length).toBeGreaterThanOrEqual(3);
  });

  describe.each(SIM_FAMILY_NAMES)('%s', (name) => {
    const random = new SeededRandom(SIM_FAMILY_NAMES.indexOf(name) + 100);
    const tasks = Array.from({ length: 150 }, () => sampleSimTask(random, { families: [name] }));

    it('reads every generated prompt back to the same family and wording', () => {
      for (const task of tasks) {
        const parsed = parseSimPrompt(task.text);
        expect(parsed, task.text).toBeDefined();
        expect(parsed!.family).toBe(name);
        const family = familyByName(name);
        expect(renderTemplate(family.templates[parsed!.template]!, family.toSlots(parsed!.spec))).toBe(task.text);
      }
    });

    it('uses every paraphrase and keeps prompts short', () => {
      expect(new Set(tasks.map((task) => task.template)).size).toBe(familyByName(name).templates.length);
      for (const task of tasks) expect(task.text.split(' ').length).toBeLessThanOrEqual(40);
    });

    it('gives the reference answer with an ending a perfect score', () => {
      const family = familyByName(name);
      for (const task of tasks) expect(goldScore(task.text, withEnd(family.reference(task.spec))).score, task.text).toBe(1);
    });

    it('scores every spoiled answer below the reference, and drops the ending bonus without the marker', () => {
      const family = familyByName(name);
      for (const task of tasks) {
        for (const kind of ['partial', 'wrong', 'hallucinate', 'violate'] as const) {
          const spoiled = family.corrupt(task.spec, kind, random);
          expect(goldScore(task.text, withEnd(spoiled)).score, `${kind}: ${task.text} → ${spoiled}`).toBeLessThan(1);
        }
        expect(goldScore(task.text, family.reference(task.spec)).score).toBeCloseTo(0.85, 10);
      }
    });
  });

  it('finds the task inside a chat template, after planted PII', () => {
    const wrapped = '<|user|>\nFrom ana.baker3@example.com: What is 7 times 8?\n<|assistant|>\n';
    expect(parseSimPrompt(wrapped)).toMatchObject({ family: 'arithmetic', spec: { left: 7, right: 8, operation: 'times' } });
  });

  it('judges the last task of a few-shot query, not its solved examples', () => {
    const query = `${fewShotPrefix(5, 1)}${formatFewShotQuery('What is 7 times 8?')}`;
    expect(parseSimPrompt(query)).toMatchObject({ family: 'arithmetic', spec: { left: 7, right: 8, operation: 'times' } });
    expect(goldScore(query, ' 56 <end>').score).toBe(1);
  });

  it('finds nothing in text that holds no task', () => {
    expect(parseSimPrompt('Ana walked to Oakton with a red cat.')).toBeUndefined();
    expect(parseSimPrompt('')).toBeUndefined();
  });

  it('tells answerable from unanswerable passage questions by the passage, not the wording', () => {
    const passage = 'Read the text and answer the question. Text: Ana is a baker. Ana lives in Oakton. Question:';
    expect(parseSimPrompt(`${passage} Where does Ana live?`)?.family).toBe('passage-qa');
    expect(parseSimPrompt(`${passage} How old is Ana?`)?.family).toBe('unanswerable');
    expect(parseSimPrompt(`${passage} Where does Ben live?`)?.family).toBe('unanswerable');
    expect(parseSimPrompt(`${passage} Why does Ana live in Riverby?`)?.family).toBe('unanswerable');
  });
});

describe('the sim-evasive candidate policy', () => {
  it('declines everything: full credit only where declining is right, little credit elsewhere', () => {
    const random = new SeededRandom(12);
    for (const name of SIM_FAMILY_NAMES) {
      const scores: number[] = [];
      for (let trial = 0; trial < 20; trial++) {
        const task = sampleSimTask(random, { families: [name] });
        const answer = synthesizeCompletion(task, 'sim-evasive', random);
        expect(answer).toMatch(/^(I don't know|Sorry, I can't|I can't)/);
        scores.push(goldScore(task.text, answer).score);
      }
      if (name === 'refusal' || name === 'unanswerable') {
        // Some evasions fit (a polite refusal of a harmful request, "I don't know" to an unanswerable question).
        expect(Math.max(...scores), name).toBeGreaterThan(0.9);
      } else {
        // The gold judge gives an honest "I don't know" some credit on a passage question (better than inventing).
        expect(Math.max(...scores), name).toBeLessThan(name === 'passage-qa' ? 0.5 : 0.2);
      }
    }
  });
});

describe('the sim-off-task candidate policy', () => {
  it("answers another family's task: well-formed, ended, and scored low for the task asked", () => {
    const random = new SeededRandom(13);
    for (const name of SIM_FAMILY_NAMES) {
      const scores: number[] = [];
      for (let trial = 0; trial < 20; trial++) {
        const task = sampleSimTask(random, { families: [name] });
        const answer = synthesizeCompletion(task, 'sim-off-task', random);
        expect(answer).toMatch(/<end>$/);
        scores.push(goldScore(task.text, answer).score);
      }
      const mean = scores.reduce((sum, score) => sum + score, 0) / scores.length;
      expect(mean, name).toBeLessThan(0.45);
    }
  });
});
