// Benchmarks of @instructkit/data on the built dist/. Run: `pnpm --filter @instructkit/data bench`
// (after `build`). Prints markdown tables; each row's ratio is against the table's first row
// (the baseline). Times are medians of several runs: the machine is shared, so single runs are noisy.
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { collateLanguageModeling, dedupeByPrefix, Ranking, readRecords, scrubPii } from '../dist/index.js';

const records = Number(process.env.BENCH_RECORDS ?? 100_000);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function time(run, repeats) {
  await run(); // warm-up
  const samples = [];
  for (let index = 0; index < repeats; index++) {
    const start = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

function table(title, unit, rows) {
  const baseline = rows[0][1];
  console.log(`\n### ${title}\n\n| case | median ${unit} | ratio to ${rows[0][0]} | throughput |\n|---|---:|---:|---:|`);
  for (const [name, value, extra] of rows) console.log(`| ${name} | ${value < 10 ? value.toFixed(3) : value.toFixed(1)} | ${(value / baseline).toFixed(2)}× | ${extra ?? ''} |`);
}

function ranking(index) {
  return {
    promptId: `p-${index}`,
    completions: Array.from({ length: 4 + (index % 6) }, (_, k) => ({ text: `completion ${k} of prompt ${index}: ${'lorem ipsum '.repeat(k + 2)}`, policy: k % 2 ? 'sft' : 'ppo' })),
    order: Array.from({ length: 4 + (index % 6) }, (_, k) => [k]),
    labelerId: `l-${index % 40}`,
    createdAt: '2026-11-25T06:25:00Z',
  };
}

const directory = await mkdtemp(path.join(tmpdir(), 'instructkit-data-bench-'));
try {
  // --- JSONL reading ------------------------------------------------------------------
  const file = path.join(directory, 'rankings.jsonl');
  const output = createWriteStream(file);
  for (let index = 0; index < records; index++) if (!output.write(`${JSON.stringify(ranking(index))}\n`)) await once(output, 'drain');
  output.end();
  await once(output, 'close');
  await pipeline(createReadStream(file), createGzip(), createWriteStream(`${file}.gz`));
  const megabytes = (await stat(file)).size / 2 ** 20;

  // Baseline: readline + JSON.parse, no validation, no error locations.
  const readlineMs = await time(async () => {
    let count = 0;
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) if (line) count += JSON.parse(line) ? 1 : 0;
    if (count !== records) throw new Error('count');
  }, 3);
  const readMs = await time(async () => {
    let count = 0;
    for await (const record of readRecords(file, Ranking)) count += record ? 1 : 0;
    if (count !== records) throw new Error('count');
  }, 3);
  const gzipMs = await time(async () => {
    for await (const record of readRecords(`${file}.gz`, Ranking)) void record;
  }, 3);
  const rate = (ms) => `${((records / ms) * 1000 / 1000).toFixed(0)}k records/s, ${(megabytes / (ms / 1000)).toFixed(0)} MB/s`;
  table(`reading ${records} rankings (${megabytes.toFixed(0)} MB JSONL)`, 'ms', [
    ['readline + JSON.parse (no validation)', readlineMs, rate(readlineMs)],
    ['readRecords(Ranking)', readMs, rate(readMs)],
    ['readRecords(Ranking), .jsonl.gz', gzipMs, rate(gzipMs)],
  ]);

  // Memory stays flat with file size: peak heap while reading 1× and 4× the records.
  const big = path.join(directory, 'big.jsonl');
  const bigOut = createWriteStream(big);
  for (let index = 0; index < 4 * records; index++) if (!bigOut.write(`${JSON.stringify(ranking(index))}\n`)) await once(bigOut, 'drain');
  bigOut.end();
  await once(bigOut, 'close');
  const peakHeap = async (target) => {
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let seen = 0;
    for await (const record of readRecords(target, Ranking)) {
      if (++seen % 5000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
      void record;
    }
    return (peak - before) / 2 ** 20;
  };
  const bigMegabytes = (await stat(big)).size / 2 ** 20;
  console.log(`\n### memory while reading (heap growth above the start, MiB; no forced GC unless --expose-gc)\n`);
  console.log(`| file | heap growth |\n|---|---:|`);
  console.log(`| ${megabytes.toFixed(0)} MB | ${(await peakHeap(file)).toFixed(1)} |`);
  console.log(`| ${bigMegabytes.toFixed(0)} MB | ${(await peakHeap(big)).toFixed(1)} |`);

  // --- scrubPii -----------------------------------------------------------------------
  const prompts = Array.from({ length: 20_000 }, (_, index) =>
    index % 4 === 0
      ? `Please write to jane.doe${index}@example.com or call +1 415 555 ${String(1000 + (index % 9000)).padStart(4, '0')} about order 2023-${index}.`
      : `Write a short story about a robot who learns to paint, version ${index % 10}.${index % 7}, in under 200 words.`,
  );
  const emailOnlyMs = await time(() => {
    for (const prompt of prompts) prompt.replace(/[\w.+-]+@[\w-]+\.[\w.]+/g, '[EMAIL]');
  }, 5);
  const scrubMs = await time(() => {
    for (const prompt of prompts) scrubPii(prompt);
  }, 5);
  table(`scrubPii on ${prompts.length} prompts (¼ with PII)`, 'ms', [
    ['one e-mail regex replace', emailOnlyMs, `${((prompts.length / emailOnlyMs) * 1000 / 1000).toFixed(0)}k prompts/s`],
    ['scrubPii (8 types, checksums)', scrubMs, `${((prompts.length / scrubMs) * 1000 / 1000).toFixed(0)}k prompts/s`],
  ]);

  // --- dedupeByPrefix -----------------------------------------------------------------
  const count = 1_000_000;
  const texts = Array.from({ length: count }, (_, index) => `Summarise the report number ${index % 700_000} of the quarterly review for team ${index % 13}`);
  const setMs = await time(() => new Set(texts).size, 3);
  const dedupeMs = await time(() => dedupeByPrefix(texts, { prefixLength: 100, text: (text) => text }).kept.length, 3);
  table(`deduplicating ${count / 1e6}M prompts`, 'ms', [
    ['new Set(texts) (exact duplicates only)', setMs, `${(count / setMs / 1000).toFixed(1)}M prompts/s`],
    ['dedupeByPrefix (normalised 100-char prefix)', dedupeMs, `${(count / dedupeMs / 1000).toFixed(1)}M prompts/s`],
  ]);

  // --- collation ----------------------------------------------------------------------
  const sequences = Array.from({ length: 64 }, (_, row) => Array.from({ length: 256 + ((row * 37) % 256) }, (_, index) => (row * 31 + index) % 50_000));
  const masks = sequences.map((sequence) => sequence.map((_, index) => (index > 64 ? 1 : 0)));
  const copyMs = await time(() => {
    const ids = new Int32Array(64 * 512);
    sequences.forEach((sequence, row) => ids.set(sequence, row * 512));
  }, 50);
  const collateMs = await time(() => collateLanguageModeling(sequences, { padTokenId: 0, lossMasks: masks }), 50);
  table('collating 64 × ≤512 tokens with loss masks', 'ms', [
    ['Int32Array.set per row (ids only)', copyMs],
    ['collateLanguageModeling (ids, attention, loss mask, checks)', collateMs],
  ]);
} finally {
  await rm(directory, { recursive: true, force: true });
}

