import { describe, expect, it } from 'vitest';
import { applyRepetitionPenalty, applyTemperature, applyTopK, applyTopP, argmax, createRng, InvalidArgumentError, logSoftmax, sampleFromLogits, softmax, tokenLogprob } from '../src/index';

const logitsOf = (probabilities: number[]) => Float32Array.from(probabilities, Math.log);
const kept = (logits: Float32Array) => Array.from(logits.keys()).filter((index) => logits[index]! > -Infinity);

describe('applyTopK', () => {
  it('keeps the k largest logits', () => {
    expect(kept(applyTopK(Float32Array.from([0.1, 3, -1, 2, 0.5]), 2))).toEqual([1, 3]);
  });
  it('keeps ties with the k-th value and is disabled by 0', () => {
    expect(kept(applyTopK(Float32Array.from([1, 2, 2, 0]), 2))).toEqual([1, 2]);
    expect(kept(applyTopK(Float32Array.from([1, 2, 2, 0]), 1))).toEqual([1, 2]);
    expect(kept(applyTopK(Float32Array.from([1, 2, 2, 0]), 0))).toEqual([0, 1, 2, 3]);
  });
});

describe('applyTopP', () => {
  it('keeps the smallest most-likely set whose mass reaches p', () => {
    const probabilities = [0.05, 0.4, 0.1, 0.3, 0.15];
    expect(kept(applyTopP(logitsOf(probabilities), 0.65))).toEqual([1, 3]); // 0.4 + 0.3 ≥ 0.65
    expect(kept(applyTopP(logitsOf(probabilities), 0.75))).toEqual([1, 3, 4]); // + 0.15
    expect(kept(applyTopP(logitsOf(probabilities), 0.01))).toEqual([1]); // the top token always stays
    expect(kept(applyTopP(logitsOf(probabilities), 1))).toEqual([0, 1, 2, 3, 4]);
  });
  it('breaks ties at the cut by token id, keeping the lowest ids', () => {
    // 0.3 + 0.2 reaches 0.45 with the first of the three tokens at 0.2.
    expect(kept(applyTopP(logitsOf([0.2, 0.3, 0.2, 0.1, 0.2]), 0.45))).toEqual([0, 1]);
    expect(kept(applyTopP(logitsOf([0.2, 0.3, 0.2, 0.1, 0.2]), 0.65))).toEqual([0, 1, 2]);
  });
  it('keeps the tokens that a sort by probability and then by id would keep, on flat and peaked rows', () => {
    // Independent reference: sort every token by probability (descending), ties by id.
    const reference = (logits: Float32Array, p: number): number[] => {
      const probabilities = softmax(logits);
      const order = Array.from(probabilities.keys()).sort((first, second) => probabilities[second]! - probabilities[first]! || first - second);
      const keep: number[] = [];
      let cumulative = 0;
      for (let rank = 0; rank < order.length && (rank === 0 || cumulative < p); rank++) {
        cumulative += probabilities[order[rank]!]!;
        keep.push(order[rank]!);
      }
      return keep.sort((first, second) => first - second);
    };
    const rng = createRng(3, 0);
    for (const spread of [0.01, 1, 4]) {
      for (const p of [0.1, 0.5, 0.9, 0.99]) {
        // Rounded logits give many exact ties.
        const logits = Float32Array.from({ length: 512 }, () => Math.round(rng.next() * 8) * spread);
        expect(kept(applyTopP(logits.slice(), p))).toEqual(reference(logits, p));
      }
    }
  });
  it('rejects p outside (0, 1]', () => {
    expect(() => applyTopP(new Float32Array(2), 0)).toThrow(InvalidArgumentError);
  });
});

describe('applyRepetitionPenalty', () => {
  it('divides positive and multiplies negative logits of seen tokens, once per token', () => {
    const logits = applyRepetitionPenalty(Float32Array.from([2, -1, 4, -3]), [0, 1, 1, 1], 2);
    expect(Array.from(logits)).toEqual([1, -2, 4, -3]);
  });
});

describe('applyTemperature', () => {
  it('divides the logits', () => {
    expect(Array.from(applyTemperature(Float32Array.from([1, -2]), 0.5))).toEqual([2, -4]);
    expect(() => applyTemperature(new Float32Array(1), 0)).toThrow(/sampling\.temperature/);
  });
});

describe('softmax and logSoftmax', () => {
  it('match the textbook formulas on hand-computed values', () => {
    // e^0 : e^ln2 : e^ln5 = 1 : 2 : 5
    const logits = Float32Array.from([0, Math.log(2), Math.log(5)]);
    const probabilities = Array.from(softmax(logits));
    [1 / 8, 2 / 8, 5 / 8].forEach((expected, index) => expect(probabilities[index]).toBeCloseTo(expected, 6));
    const logProbabilities = Array.from(logSoftmax(logits));
    [Math.log(1 / 8), Math.log(2 / 8), Math.log(5 / 8)].forEach((expected, index) => expect(logProbabilities[index]).toBeCloseTo(expected, 6));
    expect(tokenLogprob(logits, 2)).toBeCloseTo(Math.log(5 / 8), 6);
  });
  it('stays finite for large logits', () => {
    expect(Array.from(logSoftmax(Float32Array.from([1000, 1000])))).toEqual([-Math.LN2, -Math.LN2]);
  });
});

describe('argmax and sampleFromLogits', () => {
  it('breaks argmax ties towards the lowest id', () => {
    expect(argmax(Float32Array.from([1, 3, 3]))).toBe(1);
  });
  it('never draws a removed token and follows the probabilities', () => {
    const rng = createRng(3);
    const logits = Float32Array.from([Math.log(0.2), -Infinity, Math.log(0.8)]);
    const counts = [0, 0, 0];
    for (let draw = 0; draw < 5000; draw++) counts[sampleFromLogits(logits, rng)]!++;
    expect(counts[1]).toBe(0);
    expect(Math.abs(counts[2]! / 5000 - 0.8)).toBeLessThan(0.03); // 5 standard errors
  });
});

describe('applyTopK and applyTopP against a full sort', () => {
  // The naive definitions: sort every token by probability (ties by id) and cut.
  const naiveTopK = (logits: Float32Array, k: number) => {
    const threshold = [...logits].sort((first, second) => second - first)[k - 1]!;
    return Array.from(logits.keys()).filter((index) => logits[index]! >= threshold);
  };
  const naiveTopP = (logits: Float32Array, p: number) => {
    const probabilities = Array.from(softmax(logits));
    const order = Array.from(logits.keys()).sort((first, second) => probabilities[second]! - probabilities[first]! || first - second);
    const keptIds: number[] = [];
    let cumulative = 0;
    for (const index of order) {
      if (keptIds.length > 0 && cumulative >= p) break;
      keptIds.push(index);
      cumulative += probabilities[index]!;
    }
    return keptIds.sort((first, second) => first - second);
  };

  it('keeps the same tokens on random logits, with ties, peaked and flat rows', () => {
    const rng = createRng(9);
    for (let trial = 0; trial < 60; trial++) {
      const size = 1 + rng.nextInt(3000);
      const scale = [0.01, 1, 8][trial % 3]!;
      // Rounding to a coarse grid on some trials creates many ties.
      const logits = Float32Array.from({ length: size }, () => (trial % 4 === 0 ? Math.round(rng.normal() * 4) : rng.normal() * scale));
      const k = 1 + rng.nextInt(Math.min(size, 2000));
      expect(kept(applyTopK(Float32Array.from(logits), k))).toEqual(naiveTopK(logits, k));
      const p = [0.1, 0.5, 0.9, 0.999][trial % 4]!;
      expect(kept(applyTopP(Float32Array.from(logits), p))).toEqual(naiveTopP(logits, p));
    }
  });
});
