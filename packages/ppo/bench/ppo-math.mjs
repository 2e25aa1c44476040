// Benchmarks PPO's per-batch bookkeeping at InstructGPT's batch shape (512 episodes,
// 256-token prompts + 256-token responses → 511 actions per row) against a memory-bound
// baseline: one copy of a [512, 511] Float32Array. Run after `npm run build`:
//   node bench/ppo-math.mjs
// Prints a markdown table of median milliseconds over several runs (the machine is shared: medians).
import { applyEosPenalty, computeAdvantages, estimateKl, shapeRewards, whitenMasked, buildRolloutBatch } from '../dist/index.js';

const batchSize = 512;
const promptLength = 256;
const responseLength = 256;
const actions = promptLength + responseLength - 1;
const size = batchSize * actions;

let seed = 1;
const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296);
const logprobs = Float32Array.from({ length: size }, () => -3 * random());
const refLogprobs = Float32Array.from({ length: size }, () => -3 * random());
const values = Float32Array.from({ length: size }, () => random());
const scores = Float32Array.from({ length: batchSize }, () => random());
const episodes = Array.from({ length: batchSize }, () => ({
  promptIds: Int32Array.from({ length: 1 + Math.floor(random() * promptLength) }, () => 5),
  completionIds: Int32Array.from({ length: 1 + Math.floor(random() * responseLength) }, () => 7),
}));
const { actionMask } = buildRolloutBatch(
  episodes.map((episode) => ({ ...episode, promptIds: new Int32Array(promptLength).fill(5), completionIds: episode.completionIds })),
  0,
);

function median(run, repeats = 15) {
  run();
  const times = [];
  for (let index = 0; index < repeats; index++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  times.sort((left, right) => left - right);
  return times[Math.floor(times.length / 2)];
}

const cases = [
  ['baseline: copy one [512, 511] float32 array', () => Float32Array.from(logprobs)],
  ['buildRolloutBatch (padding layout)', () => buildRolloutBatch(episodes, 0)],
  ['shapeRewards (β·KL per token + score)', () => shapeRewards({ batchSize, scores, logprobs, refLogprobs, mask: actionMask, klCoefficient: 0.02 })],
  ['estimateKl (k1 + k3)', () => estimateKl({ batchSize, logprobs, refLogprobs, mask: actionMask })],
  ['computeAdvantages (GAE, λ = 0.95)', () => computeAdvantages({ batchSize, rewards: logprobs, values, mask: actionMask })],
  ['whitenMasked (advantages)', () => whitenMasked(values, actionMask)],
  ['applyEosPenalty', () => applyEosPenalty(scores, Array.from(scores, (score) => score > 0.5), { value: -1 })],
];

const rows = cases.map(([name, run]) => [name, median(run)]);
const baseline = rows[0][1];
console.log(`PPO bookkeeping, batch ${batchSize} × ${actions} actions, Node ${process.version}, median of 15 runs\n`);
console.log('| operation | median ms | × baseline |');
console.log('|---|---:|---:|');
for (const [name, milliseconds] of rows) console.log(`| ${name} | ${milliseconds.toFixed(2)} | ${(milliseconds / baseline).toFixed(1)} |`);
