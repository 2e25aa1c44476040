// Generation throughput of @instructkit/onnx on onnxruntime-node (built dist/), batch 1 and 8,
// prompt 64 -> 64 new tokens, greedy, random weights. Prints a markdown table with ratios
// against the issue's reference figures (ORT on a PyTorch export: 2,379 / 5,711 tok/s for 4M),
// against a PyTorch export measured in the same run (--reference), and, when @instructkit/tfjs
// is built, against tfjs-wasm.
// Each variant runs in a process of its own (one model, warm caches, as a user's process would),
// and the rounds take the variants in turn, so that the shared machine's drift (tens of percent
// within minutes) hits every variant alike; a variant's figure is the median over all rounds.
// Usage: node bench/generate.mjs [--presets 4m,124m] [--rounds 3] [--repeats 3] [--threads 2] [--spin auto|on|off] [--tfjs off|all]
//   [--variants float32,float32@pruned,float32:onnxruntime@pruned,int8,float16,inputs]
//   [--reference /tmp/pytorch-4m.onnx [--reference-preset 4m]]  (written by scripts/dev/export-pytorch-gpt2-onnx.py)
//   [--pytorch /usr/bin/python3]  (PyTorch eager generation through that script's --bench; dev-only, needs python3-torch)
// A variant is the precision or `inputs` (live weights fed per run), optionally `:standard|onnxruntime`
// (operators of the exported graph) and `@in-place|pruned|full` (decoding graph; default: the package's).
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOrtCausalLM, createOrtCausalLMFromWeights, spinningHelps } from '../dist/index.js';
import { randomWeights } from './random-weights.mjs';

process.env.INSTRUCTKIT_QUIET = '1';
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, index, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[index + 1]]] : pairs), []),
);
const presets = {
  '4m': { architecture: 'gpt2', vocabSize: 4096, contextLength: 128, hiddenSize: 256, numLayers: 4, numHeads: 4 },
  '124m': { architecture: 'gpt2', vocabSize: 50257, contextLength: 1024, hiddenSize: 768, numLayers: 12, numHeads: 12 },
};
const reference = { '4m': { 1: 2379, 8: 5711 } };
const repeats = Number(args.repeats ?? 3);
const threads = Number(args.threads ?? 2);
const promptLength = 64;
const newTokens = 64;

function promptBatch(batchSize, vocab) {
  const ids = new Int32Array(batchSize * promptLength);
  for (let index = 0; index < ids.length; index++) ids[index] = (index * 7919) % vocab;
  return { batchSize, length: promptLength, ids, attentionMask: new Uint8Array(ids.length).fill(1) };
}

async function generateTokens(model, batchSize, count = newTokens) {
  const vocab = model.config.vocabSize;
  const { logits, session } = await model.doStartDecoding({ batch: promptBatch(batchSize, vocab), maxNewTokens: count });
  let current = logits;
  const tokens = new Int32Array(batchSize);
  for (let step = 0; step < count; step++) {
    for (let row = 0; row < batchSize; row++) {
      let best = 0;
      for (let token = 1; token < vocab; token++) if (current[row * vocab + token] > current[row * vocab + best]) best = token;
      tokens[row] = best;
    }
    if (step < count - 1) current = await session.step(tokens);
  }
  session.dispose();
}

// tfjs-wasm baseline through @instructkit/tfjs (a devDependency), when it is built.
async function tfjsBaseline(config, batchSize) {
  let tfjs;
  try {
    tfjs = await import('@instructkit/tfjs');
  } catch {
    return undefined;
  }
  try {
    const model = await tfjs.createCausalLM({ config, seed: 1, backend: 'wasm' });
    await generateTokens(model, batchSize, Math.min(newTokens, 16));
    const start = performance.now();
    await generateTokens(model, batchSize);
    return (batchSize * newTokens) / ((performance.now() - start) / 1000);
  } catch (error) {
    console.error(`tfjs-wasm baseline unavailable: ${error.message}`);
    return undefined;
  }
}

// One variant in this process: prints {"rates": {"1": [...], "8": [...]}, "loadMs", "refreshMs", "name"}.
async function runChild(spec) {
  const { preset, variant: variantSpec, spinning } = spec;
  const config = presets[preset];
  let model;
  let name;
  let refreshMs = NaN;
  const created = performance.now();
  const sessionOptions = { intraOpThreads: threads, allowSpinning: spinning };
  if (variantSpec === 'reference') {
    // A plain Optimum-layout loop over the PyTorch export: the whole graph each step (logits of every position and the cache).
    model = await createOrtCausalLM({ path: args.reference, config, decodingGraph: 'full', sessionOptions });
    name = 'PyTorch export (reference)';
  } else {
    const weights = randomWeights(config, 7);
    const [head, decodingGraph] = variantSpec.split('@');
    const [variant, operators = 'standard'] = head.split(':');
    model = await createOrtCausalLMFromWeights({
      config,
      weights,
      precision: variant === 'inputs' ? 'float32' : variant,
      liveWeights: variant === 'inputs' ? 'inputs' : 'reexport',
      operators,
      decodingGraph,
      sessionOptions,
    });
    if (variant === 'float32' || variant === 'inputs') {
      const refreshStart = performance.now();
      await model.updateWeights(weights);
      refreshMs = performance.now() - refreshStart;
    }
    name = `${variant} (${model.decodingGraph === 'in-place' ? 'in-place cache' : `${operators} ops, ${model.decodingGraph}`})`;
  }
  const loadMs = performance.now() - created;
  const rates = {};
  for (const batchSize of [1, 8]) {
    await generateTokens(model, batchSize); // warm-up
    rates[batchSize] = [];
    for (let repeat = 0; repeat < repeats; repeat++) {
      const start = performance.now();
      await generateTokens(model, batchSize);
      rates[batchSize].push((batchSize * newTokens) / ((performance.now() - start) / 1000));
    }
  }
  await model.dispose();
  process.stdout.write(JSON.stringify({ name, rates, loadMs, refreshMs }));
}

if (args.child) {
  await runChild(JSON.parse(args.child));
  process.exit(0);
}

// Spinning of onnxruntime's intra-op threads: `auto` (the package default) decides from the load
// average; decided once here so that every variant of a run spins alike.
const spinSetting = args.spin === 'on' ? true : args.spin === 'off' ? false : 'auto';
const spinning = spinSetting === 'auto' ? spinningHelps() : spinSetting;
const chosen = (args.presets ?? '4m,124m').split(',');
const rounds = Number(args.rounds ?? 3);
const variants = (args.variants ?? 'float32,float32@pruned,float32:onnxruntime@pruned,int8,inputs').split(',');
const loadAtStart = loadavg()[0];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = [];
const baselines = new Map();
const pytorchRates = new Map();
const self = fileURLToPath(import.meta.url);
for (const preset of chosen) {
  const specs = [...variants];
  if (args.reference && preset === (args['reference-preset'] ?? '4m')) specs.push('reference');
  const results = specs.map(() => ({ rates: { 1: [], 8: [] }, loadMs: [], refreshMs: [] }));
  for (let round = 0; round < rounds; round++) {
    for (const [index, variant] of specs.entries()) {
      const childArgs = [self, '--child', JSON.stringify({ preset, variant, spinning }), '--repeats', String(repeats), '--threads', String(threads)];
      if (args.reference) childArgs.push('--reference', args.reference);
      const result = JSON.parse(execFileSync(process.execPath, childArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 }));
      const target = results[index];
      target.name = result.name;
      for (const batchSize of [1, 8]) target.rates[batchSize].push(...result.rates[batchSize]);
      target.loadMs.push(result.loadMs);
      if (result.refreshMs !== null) target.refreshMs.push(result.refreshMs);
    }
  }
  const referenceIndex = specs.indexOf('reference');
  for (const batchSize of [1, 8]) {
    for (const entry of results) {
      const rate = median(entry.rates[batchSize]);
      const sameRun = referenceIndex >= 0 ? rate / median(results[referenceIndex].rates[batchSize]) : undefined;
      const refreshMs = entry.refreshMs.length ? median(entry.refreshMs) : NaN;
      rows.push({ preset, variant: entry.name, batchSize, rate, target: reference[preset]?.[batchSize], sameRun, loadMs: median(entry.loadMs), refreshMs });
    }
  }
  if (args.pytorch) {
    const scratch = mkdtempSync(path.join(tmpdir(), 'instructkit-pytorch-'));
    try {
      const script = fileURLToPath(new URL('../../../scripts/dev/export-pytorch-gpt2-onnx.py', import.meta.url));
      const output = execFileSync(args.pytorch, [script, '--preset', preset, '--out', path.join(scratch, 'model.onnx'), '--bench'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const measured = JSON.parse(output.trim().split('\n').pop());
      for (const batchSize of [1, 8]) pytorchRates.set(`${preset}:${batchSize}`, measured.rates[batchSize]);
    } catch (error) {
      console.error(`PyTorch reference unavailable: ${error.message.split('\n')[0]}`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  // tfjs-wasm on the 124M shape takes minutes per run on this machine: only with --tfjs all.
  if (args.tfjs !== 'off' && (preset === '4m' || args.tfjs === 'all')) {
    for (const batchSize of [1, 8]) {
      const rate = await tfjsBaseline(presets[preset], batchSize);
      if (rate !== undefined) baselines.set(`${preset}:${batchSize}`, rate);
    }
  }
}

function pytorchCells(row) {
  const rate = pytorchRates.get(`${row.preset}:${row.batchSize}`);
  return rate ? `${Math.round(rate).toLocaleString('en-US')} | ${(row.rate / rate).toFixed(1)}x` : 'n/a | —';
}

console.log(`\nGeneration, prompt ${promptLength} -> ${newTokens} new tokens, greedy, ${threads} intra-op threads (spinning ${spinning ? "on" : "off"}${spinSetting === "auto" ? ", chosen by auto" : ""}), ${rounds} rounds x ${repeats} generations per variant, each variant in its own process, median; 1-min load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end on ${cpus().length} cores (shared machine: noisy)\n`);
console.log('| config | variant | batch | ORT tok/s | issue target (ORT on PyTorch export) | ratio | vs PyTorch export, same run | tfjs-wasm tok/s | ratio | PyTorch eager tok/s | ratio | session create ms | updateWeights ms |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const row of rows) {
  const ratio = row.target ? `${(row.rate / row.target).toFixed(2)}x` : '—';
  const baseline = baselines.get(`${row.preset}:${row.batchSize}`);
  const tfjsCells = baseline ? `${Math.round(baseline).toLocaleString('en-US')} | ${(row.rate / baseline).toFixed(1)}x` : 'n/a | —';
  console.log(
    `| ${row.preset} | ${row.variant} | ${row.batchSize} | ${Math.round(row.rate).toLocaleString('en-US')} | ${row.target ? row.target.toLocaleString('en-US') : '—'} | ${ratio} | ${row.sameRun ? `${row.sameRun.toFixed(2)}x` : '—'} | ${tfjsCells} | ${pytorchCells(row)} | ${Math.round(row.loadMs)} | ${Number.isNaN(row.refreshMs) ? '—' : Math.round(row.refreshMs)} |`,
  );
}
