import { InvalidArgumentError } from './errors';
import type { Rng } from './create-rng';

/*
 * Logits processors used by `generate`. Each works in place on one row of
 * next-token logits (`[vocabSize]`) and returns it; removed tokens become -Infinity.
 */

/**
 * CTRL repetition penalty (Keskar et al. 2019, as in Hugging Face): for every distinct
 * token already in the row, a positive logit is divided by `penalty` and a negative one
 * multiplied by it, so `penalty > 1` makes repeats less likely.
 *
 * @param logits - One row of logits, modified in place.
 * @param previousTokens - Tokens of the row so far (prompt and generated).
 * @param penalty - ≥ 0; 1 leaves the logits unchanged.
 * @returns `logits`.
 */
export function applyRepetitionPenalty(logits: Float32Array, previousTokens: ArrayLike<number>, penalty: number): Float32Array {
  if (!(penalty > 0) || !Number.isFinite(penalty)) throw new InvalidArgumentError('sampling.repetitionPenalty', `must be a positive number, got ${penalty}`);
  if (penalty === 1) return logits;
  const seen = new Set<number>();
  for (let index = 0; index < previousTokens.length; index++) {
    const token = previousTokens[index]!;
    if (seen.has(token) || token < 0 || token >= logits.length) continue;
    seen.add(token);
    const value = logits[token]!;
    logits[token] = value > 0 ? value / penalty : value * penalty;
  }
  return logits;
}

/**
 * Divides the logits by a temperature (softer above 1, sharper below).
 *
 * @param logits - One row, modified in place.
 * @param temperature - > 0 (greedy decoding, temperature 0, is handled by the caller with `argmax`).
 * @returns `logits`.
 */
export function applyTemperature(logits: Float32Array, temperature: number): Float32Array {
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new InvalidArgumentError('sampling.temperature', `must be a positive number, got ${temperature}`);
  if (temperature === 1) return logits;
  for (let index = 0; index < logits.length; index++) logits[index] = logits[index]! / temperature;
  return logits;
}

/**
 * Keeps the `k` largest logits and sets the rest to -Infinity. Tokens tied with the
 * k-th largest value are kept too (Hugging Face's `TopKLogitsWarper` does the same).
 *
 * @param logits - One row, modified in place.
 * @param k - Tokens to keep; 0 (or ≥ vocabulary size) disables.
 * @returns `logits`.
 */
export function applyTopK(logits: Float32Array, k: number): Float32Array {
  if (!Number.isInteger(k) || k < 0) throw new InvalidArgumentError('sampling.topK', `must be a non-negative integer, got ${k}`);
  if (k === 0 || k >= logits.length) return logits;
  const threshold = kthLargest(logits, k);
  for (let index = 0; index < logits.length; index++) if (logits[index]! < threshold) logits[index] = -Infinity;
  return logits;
}

/** The k-th largest value: a size-k min-heap for small k (O(V log k)), a sorted copy otherwise. */
function kthLargest(values: Float32Array, k: number): number {
  if (k > 1024) return values.slice().sort()[values.length - k]!;
  const heap = new Float64Array(k);
  let size = 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (size < k) {
      // Sift up.
      let child = size++;
      while (child > 0) {
        const parent = (child - 1) >> 1;
        if (heap[parent]! <= value) break;
        heap[child] = heap[parent]!;
        child = parent;
      }
      heap[child] = value;
    } else if (value > heap[0]!) {
      // Replace the minimum and sift down.
      let parent = 0;
      for (;;) {
        let child = 2 * parent + 1;
        if (child >= k) break;
        if (child + 1 < k && heap[child + 1]! < heap[child]!) child++;
        if (heap[child]! >= value) break;
        heap[parent] = heap[child]!;
        parent = child;
      }
      heap[parent] = value;
    }
  }
  return heap[0]!;
}

/**
 * Nucleus filtering (Holtzman et al. 2020): keeps the smallest set of most likely tokens
 * whose total probability reaches `p` (the token that crosses `p` is kept; the most likely
 * token always is), and sets the rest to -Infinity. Equal logits are ordered by token id.
 *
 * @param logits - One row, modified in place.
 * @param p - In (0, 1]; 1 disables.
 * @returns `logits`.
 */
export function applyTopP(logits: Float32Array, p: number): Float32Array {
  if (!(p > 0 && p <= 1)) throw new InvalidArgumentError('sampling.topP', `must be in (0, 1], got ${p}`);
  if (p === 1) return logits;
  const probabilities = softmax(logits);
  // Only tokens at or above a threshold whose mass already reaches p can be in the nucleus;
  // halving the threshold from the top finds such a set without sorting the vocabulary.
  let maximum = 0;
  for (let index = 0; index < probabilities.length; index++) if (probabilities[index]! > maximum) maximum = probabilities[index]!;
  let threshold = maximum;
  for (;;) {
    let mass = 0;
    for (let index = 0; index < probabilities.length; index++) if (probabilities[index]! >= threshold) mass += probabilities[index]!;
    if (mass >= p || threshold === 0) break;
    threshold = threshold < 1e-300 ? 0 : threshold / 2;
  }
  // Sort the candidates' probabilities natively (a comparator over token ids cost ~0.5 ms per row
  // on a flat 4k-token distribution, more than the model step), sum them from the largest until
  // the mass reaches p, and keep every token above the last value summed plus, of the tokens equal
  // to it, as many as were summed, lowest ids first: the same set and the same sums as sorting
  // the tokens by probability and then by id.
  let count = 0;
  for (let index = 0; index < probabilities.length; index++) if (probabilities[index]! >= threshold) count++;
  const sorted = new Float64Array(count);
  count = 0;
  for (let index = 0; index < probabilities.length; index++) if (probabilities[index]! >= threshold) sorted[count++] = probabilities[index]!;
  sorted.sort();
  let cumulative = 0;
  let rank = 0;
  for (; rank < count && (rank === 0 || cumulative < p); rank++) cumulative += sorted[count - 1 - rank]!;
  const cutoff = sorted[count - rank]!;
  let tiesKept = 0;
  for (let position = count - rank; position < count && sorted[position] === cutoff; position++) tiesKept++;
  for (let index = 0; index < logits.length; index++) {
    const probability = probabilities[index]!;
    if (probability > cutoff) continue;
    if (probability === cutoff && tiesKept > 0) {
      tiesKept--;
      continue;
    }
    logits[index] = -Infinity;
  }
  return logits;
}

/**
 * Numerically stable softmax of one row, accumulated in double precision.
 *
 * @param logits - One row (not modified); -Infinity entries get probability 0.
 * @returns Probabilities summing to 1, `[vocabSize]`.
 */
export function softmax(logits: Float32Array): Float64Array {
  let maximum = -Infinity;
  for (let index = 0; index < logits.length; index++) if (logits[index]! > maximum) maximum = logits[index]!;
  const probabilities = new Float64Array(logits.length);
  let total = 0;
  for (let index = 0; index < logits.length; index++) {
    const value = Math.exp(logits[index]! - maximum);
    probabilities[index] = value;
    total += value;
  }
  for (let index = 0; index < logits.length; index++) probabilities[index] = probabilities[index]! / total;
  return probabilities;
}

/**
 * log-softmax of one row, in double precision.
 *
 * @param logits - One row (not modified).
 * @returns `[vocabSize]` log-probabilities.
 */
export function logSoftmax(logits: Float32Array): Float64Array {
  let maximum = -Infinity;
  for (let index = 0; index < logits.length; index++) if (logits[index]! > maximum) maximum = logits[index]!;
  let total = 0;
  for (let index = 0; index < logits.length; index++) total += Math.exp(logits[index]! - maximum);
  // Subtract the maximum before the log-sum so large logits keep their precision.
  const logTotal = Math.log(total);
  const result = new Float64Array(logits.length);
  for (let index = 0; index < logits.length; index++) result[index] = logits[index]! - maximum - logTotal;
  return result;
}

/**
 * log-softmax of one row at one token, without materialising the whole row
 * (what `generate` records for every sampled token).
 *
 * @param logits - One row (not modified).
 * @param token - Token id in [0, vocabSize).
 * @returns log p(token), in double precision.
 */
export function tokenLogprob(logits: Float32Array, token: number): number {
  let maximum = -Infinity;
  for (let index = 0; index < logits.length; index++) if (logits[index]! > maximum) maximum = logits[index]!;
  let total = 0;
  for (let index = 0; index < logits.length; index++) total += Math.exp(logits[index]! - maximum);
  return logits[token]! - maximum - Math.log(total);
}

/**
 * Index of the largest logit; the lowest index wins ties (greedy decoding).
 *
 * @param logits - One row.
 */
export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let index = 1; index < logits.length; index++) if (logits[index]! > logits[best]!) best = index;
  return best;
}

/**
 * Draws a token from `softmax(logits)` with one `rng.next()` (inverse-CDF over token ids).
 *
 * @param logits - One row; -Infinity entries are never drawn.
 * @param rng - The seeded generator.
 * @returns The token id.
 */
export function sampleFromLogits(logits: Float32Array, rng: Rng): number {
  const probabilities = softmax(logits);
  const target = rng.next();
  let cumulative = 0;
  let lastPossible = 0;
  for (let index = 0; index < probabilities.length; index++) {
    const probability = probabilities[index]!;
    if (probability === 0) continue;
    lastPossible = index;
    cumulative += probability;
    if (target < cumulative) return index;
  }
  // Rounding can leave the total a hair under 1.
  return lastPossible;
}
