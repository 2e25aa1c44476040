// Encode throughput on real text (the parity test's corpus) against js-tiktoken and
// Hugging Face tokenizers.js, plus training time for 1 MB → 4k merges.
// Run after `pnpm build`: node bench/encode.mjs [--rounds N]
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { getEncoding } from 'js-tiktoken';
import { loadTokenizer, trainTokenizer } from '../dist/index.js';
import { collectCorpus } from './corpus.mjs';

const roundsFlag = process.argv.indexOf('--rounds');
const rounds = roundsFlag > 0 ? Number(process.argv[roundsFlag + 1]) : 5;
const corpus = collectCorpus();
const texts = corpus.texts.map((entry) => entry.text);
const megabytes = corpus.bytes / 1e6;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function timePass(encode) {
  const start = performance.now();
  let tokens = 0;
  for (const text of texts) tokens += encode(text).length;
  return { seconds: (performance.now() - start) / 1000, tokens };
}

const ours = await loadTokenizer('gpt2');
const tiktoken = getEncoding('gpt2');
const hfJson = JSON.parse(ours.toTokenizerJson());
const contenders = [
  {
    name: '@instructkit/tokenizer',
    create: () => {
      // A fresh instance so that the cold pass starts with an empty pre-token cache.
      const fresh = ours.withSpecialTokens([]);
      return (text) => fresh.encode(text);
    },
  },
  { name: 'js-tiktoken 1.0.21 (baseline)', create: () => (text) => tiktoken.encode(text, [], []) },
  {
    name: '@huggingface/tokenizers 0.2.0',
    create: () => {
      const hf = new HfTokenizer(hfJson, { add_bos_token: false, add_eos_token: false });
      return (text) => hf.encode(text, { add_special_tokens: false }).ids;
    },
  },
];

// Cold: the first pass of a fresh instance (empty caches, code not yet optimized).
// Warm: median over rounds in which every contender runs once, so that load from other
// processes on the machine falls on all of them alike.
const rows = contenders.map(({ name, create }) => {
  const encode = create();
  const cold = timePass(encode);
  return { name, encode, tokens: cold.tokens, coldMBps: megabytes / cold.seconds, warm: [] };
});
for (let round = 0; round < rounds; round++) for (const row of rows) row.warm.push(timePass(row.encode).seconds);
for (const row of rows) row.warmMBps = megabytes / median(row.warm);
const baseline = rows[1];

console.log(`\nEncode, gpt2 vocabulary: ${corpus.texts.length} files, ${megabytes.toFixed(2)} MB of README/LICENSE/CHANGELOG text, Node ${process.version}, warm = median of ${rounds} passes.\n`);
console.log('| tokenizer | tokens | cold MB/s | warm MB/s | warm vs js-tiktoken |');
console.log('|---|---:|---:|---:|---:|');
for (const row of rows) {
  console.log(`| ${row.name} | ${row.tokens} | ${row.coldMBps.toFixed(2)} | ${row.warmMBps.toFixed(2)} | ${(row.warmMBps / baseline.warmMBps).toFixed(2)}× |`);
}

const trainingTexts = collectCorpus({ totalBytes: 1_000_000 }).texts.map((entry) => entry.text);
const trainingBytes = trainingTexts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
const trainingSeconds = [];
let merges = 0;
for (let round = 0; round < 3; round++) {
  const start = performance.now();
  const trained = await trainTokenizer({ texts: trainingTexts, vocabSize: 256 + 4000 + 5 });
  trainingSeconds.push((performance.now() - start) / 1000);
  merges = trained.spec.merges.length;
}
console.log(`\nTraining: ${(trainingBytes / 1e6).toFixed(2)} MB → ${merges} merges, median of 3: ${median(trainingSeconds).toFixed(2)} s\n`);
