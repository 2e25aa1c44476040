import { describe, expect, it } from 'vitest';
import type { GenerateRequest, GenerateResult, GeneratorV1 } from '@instructkit/core';
import { familyOf, sampleSimTask, SeededRandom, withEnd, type SimulatedLabeler } from '@instructkit/sim';
import { rankPolicySamples } from '../src/pipeline/rank-policy-samples';
import { renderPrompt, type PreparedRanking } from '../src/pipeline/prepare-sim-data';

/** One character per token: ids are char codes, 0 is EOS. */
const tokenizer = {
  encode: (text: string) => Array.from(text, (char) => char.charCodeAt(0)),
  decode: (ids: ArrayLike<number>) => String.fromCharCode(...Array.from(ids)),
  eosTokenId: 0,
};

/** A "policy" that answers each prompt with the texts it is given, in turn (then EOS). */
function scriptedGenerator(answers: Map<string, string[]>): GeneratorV1 & { requests: GenerateRequest[] } {
  const requests: GenerateRequest[] = [];
  const served = new Map<string, number>();
  return {
    specificationVersion: 'v1',
    modelId: 'scripted',
    requests,
    async doGenerate(request: GenerateRequest): Promise<GenerateResult> {
      requests.push(request);
      return {
        sequences: request.prompts.map((ids) => {
          const prompt = tokenizer.decode(ids);
          const index = served.get(prompt) ?? 0;
          served.set(prompt, index + 1);
          const text = answers.get(prompt)![index]!;
          return { promptIds: Int32Array.from(ids), completionIds: Int32Array.from([...tokenizer.encode(text), 0]), logprobs: new Float32Array(text.length + 1), finishReason: 'eos' as const };
        }),
      };
    },
  };
}

const carefulLabeler: SimulatedLabeler = { id: 'labeler-01', demonstrationErrorRate: 0, noise: 0, lengthBias: 0, likertBias: 0, flagMissRate: 0 };

describe('rankPolicySamples', () => {
  it("adds the policy's samples to each ranking, keeps K ≤ 9, and has the ranking's labeler order them by quality", async () => {
    const random = new SeededRandom(4);
    const tasks = Array.from({ length: 6 }, () => sampleSimTask(random, { families: ['reverse-words', 'sort-numbers', 'arithmetic'] }));
    const rankings: PreparedRanking[] = tasks.map((task, index) => ({
      prompt: renderPrompt(task.text),
      completions: Array.from({ length: index % 2 === 0 ? 9 : 4 }, (_, k) => ` synthetic candidate ${k} <end>`),
      ranks: Array.from({ length: index % 2 === 0 ? 9 : 4 }, (_, k) => k),
      labelerId: 'labeler-01',
    }));
    // An unknown labeler leaves its ranking as it was.
    rankings.push({ ...rankings[0]!, labelerId: 'labeler-99' });
    const answers = new Map(tasks.map((task) => [renderPrompt(task.text), [` ${withEnd(familyOf(task).reference(task.spec))}\nInstruction: more`, ' I like turtles. <end>']]));
    const generator = scriptedGenerator(answers);
    const result = await rankPolicySamples({ rankings, generator, tokenizer, labelers: [carefulLabeler], samplesPerPrompt: 2, maxNewTokens: 40, seed: 1 });

    expect(result.added).toBe(12);
    expect(result.unchanged).toBe(1);
    expect(result.rankings[6]).toEqual(rankings[6]);
    expect(generator.requests[0]!.sampling).toMatchObject({ temperature: 1, maxNewTokens: 40, eosTokenIds: [0] });
    result.rankings.slice(0, 6).forEach((ranking, index) => {
      const task = tasks[index]!;
      expect(ranking.completions.length).toBe(index % 2 === 0 ? 9 : 6);
      expect(ranking.ranks).toHaveLength(ranking.completions.length);
      // The sample is cut at its first line break, as labelers read answers.
      const right = ranking.completions.indexOf(` ${withEnd(familyOf(task).reference(task.spec))}`);
      const nonsense = ranking.completions.indexOf(' I like turtles. <end>');
      expect(right).toBeGreaterThanOrEqual(0);
      expect(nonsense).toBeGreaterThanOrEqual(0);
      // A noise-free labeler puts the correct answer first and above the nonsense.
      expect(ranking.ranks[right]).toBe(0);
      expect(ranking.ranks[nonsense]!).toBeGreaterThan(ranking.ranks[right]!);
    });
  });
});
