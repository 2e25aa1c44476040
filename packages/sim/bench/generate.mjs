// Throughput of the sim task's hot paths, on the built dist/. Prints a markdown table;
// ratios are against scoring a pre-parsed task (the baseline). Medians of several runs:
// the machine is shared, so single timings are noisy.
import { performance } from 'node:perf_hooks';
import { buildSimDataset, goldScore, parseSimPrompt, sampleSimTask, SeededRandom, synthesizeCompletion, SYNTHETIC_POLICIES } from '../dist/index.js';

const runs = Number(process.env.BENCH_RUNS ?? 7);
const random = new SeededRandom(1);
const items = Array.from({ length: 2000 }, (_, index) => {
  const task = sampleSimTask(random);
  return { task, completion: synthesizeCompletion(task, SYNTHETIC_POLICIES[index % SYNTHETIC_POLICIES.length], random) };
});

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(body) {
  body();
  const times = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    body();
    times.push(performance.now() - started);
  }
  return median(times);
}

const rows = [
  ['goldScore(parsed task, completion)', items.length, measure(() => items.forEach(({ task, completion }) => goldScore(task, completion)))],
  ['parseSimPrompt(text)', items.length, measure(() => items.forEach(({ task }) => parseSimPrompt(task.text)))],
  ['goldScore(prompt text, completion)', items.length, measure(() => items.forEach(({ task, completion }) => goldScore(task.text, completion)))],
  ['buildSimDataset 3000 prompts (per prompt)', 3000, measure(() => buildSimDataset({ seed: 1, counts: { prompts: 3000, pretrainParagraphs: 2000 } }))],
];
const baseline = rows[0][2] / rows[0][1];
console.log(`| operation | items | median ms | µs / item | ratio vs baseline |`);
console.log(`|---|---:|---:|---:|---:|`);
for (const [name, count, milliseconds] of rows) {
  const perItem = milliseconds / count;
  console.log(`| ${name} | ${count} | ${milliseconds.toFixed(1)} | ${(perItem * 1000).toFixed(1)} | ${(perItem / baseline).toFixed(1)}× |`);
}
console.log(`\nNode ${process.version}, ${runs} runs each, median reported.`);
