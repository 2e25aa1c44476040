import { InvalidArgumentError } from '@instructkit/core';
import { Rating } from '@instructkit/data';
import { describe, expect, it } from 'vitest';
import {
  createSimulatedLabelers,
  DEFAULT_LABELER_NOISE,
  familyOf,
  goldScore,
  measureLabelerAgreement,
  rankCompletions,
  rateCompletion,
  sampleCandidates,
  sampleSimTask,
  SeededRandom,
  withEnd,
  writeDemonstration,
} from '../src/index';

describe('simulated labelers', () => {
  it('agree with each other on about 73% of pairwise comparisons, as InstructGPT labelers did', () => {
    const measured = measureLabelerAgreement({ seed: 11, prompts: 400 });
    expect(measured.comparisons).toBeGreaterThan(4000);
    expect(measured.agreement).toBeGreaterThan(0.68);
    expect(measured.agreement).toBeLessThan(0.78);
    // Each labeler agrees with the truth more often than with a noisy colleague.
    expect(measured.goldAgreement).toBeGreaterThan(measured.agreement);
  });

  it('agree more when less noisy and less when noisier', () => {
    const quiet = measureLabelerAgreement({ seed: 5, prompts: 200, noise: DEFAULT_LABELER_NOISE / 3 });
    const loud = measureLabelerAgreement({ seed: 5, prompts: 200, noise: DEFAULT_LABELER_NOISE * 3 });
    // Not near 1: evasive and off-task candidates often share the floor score (0.15), so their order is noise.
    expect(quiet.agreement).toBeGreaterThan(0.8);
    expect(loud.agreement).toBeLessThan(0.68);
  });

  it('rank completions as a permutation with identical texts tied, best usually first', () => {
    const random = new SeededRandom(3);
    const [labeler] = createSimulatedLabelers({ count: 1, seed: 3 });
    let bestFirst = 0;
    const trials = 200;
    for (let trial = 0; trial < trials; trial++) {
      const task = sampleSimTask(random);
      const reference = withEnd(familyOf(task).reference(task.spec));
      const texts = [reference, ...sampleCandidates(task, 5, random).map((candidate) => candidate.text), reference];
      const order = rankCompletions(labeler!, task, texts, random);
      expect(order.flat().sort((a, b) => a - b)).toEqual(texts.map((_, index) => index));
      const referenceGroup = order.find((group) => group.includes(0))!;
      expect(referenceGroup).toContain(texts.length - 1);
      if (order[0]!.includes(0)) bestFirst++;
    }
    expect(bestFirst / trials).toBeGreaterThan(0.6);
  });

  it('write demonstrations with their configured error rate', () => {
    const random = new SeededRandom(4);
    const [careless] = createSimulatedLabelers({ count: 1, seed: 4, demonstrationErrorRate: 0.4 });
    let imperfect = 0;
    const trials = 600;
    for (let trial = 0; trial < trials; trial++) {
      const task = sampleSimTask(random);
      if (goldScore(task, writeDemonstration(careless!, task, random)).score < 1) imperfect++;
    }
    expect(imperfect / trials).toBeCloseTo(careless!.demonstrationErrorRate, 1);
    const [careful] = createSimulatedLabelers({ count: 1, seed: 4, demonstrationErrorRate: 0 });
    const task = sampleSimTask(random);
    expect(goldScore(task, writeDemonstration(careful!, task, random)).score).toBe(1);
  });

  it('rate good completions higher than bad ones on the 1–7 scale, with valid Rating flags', () => {
    const random = new SeededRandom(6);
    const [labeler] = createSimulatedLabelers({ count: 1, seed: 6 });
    let good = 0;
    let bad = 0;
    for (let trial = 0; trial < 200; trial++) {
      const task = sampleSimTask(random);
      const reference = rateCompletion(labeler!, task, withEnd(familyOf(task).reference(task.spec)), random);
      const spoiled = rateCompletion(labeler!, task, familyOf(task).corrupt(task.spec, 'wrong', random), random);
      good += reference.likert;
      bad += spoiled.likert;
      const record = { promptId: 'p', completion: 'x', labelerId: labeler!.id, likert: spoiled.likert, flags: spoiled.flags };
      expect(Rating.safeParse(record).success).toBe(true);
    }
    expect(good / 200).toBeGreaterThan(5.5);
    expect(bad / 200).toBeLessThan(3.5);
  });

  it('reject settings out of range with a typed error', () => {
    expect(() => createSimulatedLabelers({ count: 0 })).toThrow(InvalidArgumentError);
    expect(() => createSimulatedLabelers({ demonstrationErrorRate: 1.5 })).toThrow(/demonstrationErrorRate/);
    expect(() => measureLabelerAgreement({ count: 1 })).toThrow(InvalidArgumentError);
  });
});
