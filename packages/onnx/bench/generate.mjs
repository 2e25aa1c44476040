// Generation throughput of @instructkit/onnx on onnxruntime-node (built dist/), batch 1 and 8,
// prompt 64 -> 64 new tokens, greedy, random weights. Prints a markdown table with ratios
// against the issue's reference figures (ORT on a PyTorch export: 2,379 / 5,711 tok/s for 4M)
// and, when @instructkit/tfjs is built, against tfjs-wasm.
// Usage: node bench/generate.mjs [--presets 4m,124m] [--repeats 3] [--threads 2] [--spin auto|on|off] [--tfjs off|all]
//   [--variants float32@in-place,float32@pruned,float32:onnxruntime@pruned,int8,float16,inputs]
//   [--reference /tmp/pytorch-4m.onnx [--reference-preset 4m]]  (written by scripts/dev/export-pytorch-gpt2-onnx.py)
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createOrtCausalLM, createOrtCausalLMFromWeights, spinningHelps } from '../dist/index.js';
import { randomWeights } from './random-weights.mjs';

process.env.INSTRUCTKIT_QUIET = '1';
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, index, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[index + 1]]] : pairs), []),
);
// Spinning of onnxruntime's intra-op threads: `auto` (the package default) decides from the load
// average; decided once here so that every variant of a run spins alike.
const spinSetting = args.spin === 'on' ? true : args.spin === 'off' ? false : 'auto';
const spinning = spinSetting === 'auto' ? spinningHelps() : spinSetting;
const presets = {
  '4m': { architecture: 'gpt2', vocabSize: 4096, contextLength: 128, hiddenSize: 256, numLayers: 4, numHeads: 4 },
  '124m': { architecture: 'gpt2', vocabSize: 50257, contextLength: 1024, hiddenSize: 768, numLayers: 12, numHeads: 12 },
};
const reference = { '4m': { 1: 2379, 8: 5711 } };
const chosen = (args.presets ?? '4m,124m').split(',');
const repeats = Number(args.repeats ?? 3);
const threads = Number(args.threads ?? 2);
const variants = (args.variants ?? 'float32@in-place,float32@pruned,float32:onnxruntime@pruned,int8,inputs').split(',');
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

const loadAtStart = loadavg()[0];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = [];
const baselines = new Map();
for (const preset of chosen) {
  const config = presets[preset];
  const weights = randomWeights(config, 7);
  // Every variant is loaded first, then the rounds run the variants in turn, so that a change in the
  // machine's speed (a shared machine drifts by tens of percent within minutes) hits all of them alike.
  const models = [];
  for (const variantSpec of variants) {
    // A variant is precision or `inputs` (live weights fed per run), then optionally `:standard|onnxruntime`
    // (operators) and `@in-place|pruned|full` (decoding graph): `float32:standard@pruned`.
    const [head, decodingGraph] = variantSpec.split('@');
    const [variant, operators = 'standard'] = head.split(':');
    const created = performance.now();
    const model = await createOrtCausalLMFromWeights({
      config,
      weights,
      precision: variant === 'inputs' ? 'float32' : variant,
      liveWeights: variant === 'inputs' ? 'inputs' : 'reexport',
      operators,
      decodingGraph,
      sessionOptions: { intraOpThreads: threads, allowSpinning: spinning },
    });
    const loadMs = performance.now() - created;
    const refreshStart = performance.now();
    if (variant === 'float32' || variant === 'inputs') await model.updateWeights(weights);
    const refreshMs = variant === 'float32' || variant === 'inputs' ? performance.now() - refreshStart : NaN;
    const graph = model.decodingGraph === 'in-place' ? 'in-place cache' : `${operators} ops, ${model.decodingGraph}`;
    models.push({ name: `${variant} (${graph})`, model, loadMs, refreshMs });
  }
  // The reference: a decoder exported by PyTorch (scripts/dev/export-pytorch-gpt2-onnx.py), run as
  // a plain Optimum-layout loop (the whole graph: logits of every position and the cache each step).
  if (args.reference && preset === (args['reference-preset'] ?? '4m')) {
    const created = performance.now();
    const model = await createOrtCausalLM({ path: args.reference, config, decodingGraph: 'full', sessionOptions: { intraOpThreads: threads, allowSpinning: spinning } });
    models.push({ name: 'PyTorch export (reference)', model, loadMs: performance.now() - created, refreshMs: NaN, reference: true });
  }
  for (const batchSize of [1, 8]) {
    const rates = models.map(() => []);
    for (const { model } of models) await generateTokens(model, batchSize); // warm-up
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const [index, { model }] of models.entries()) {
        const start = performance.now();
        await generateTokens(model, batchSize);
        rates[index].push((batchSize * newTokens) / ((performance.now() - start) / 1000));
      }
    }
    const referenceIndex = models.findIndex((entry) => entry.reference);
    for (const [index, entry] of models.entries()) {
      const rate = median(rates[index]);
      const sameRun = referenceIndex >= 0 ? rate / median(rates[referenceIndex]) : undefined;
      rows.push({ preset, variant: entry.name, batchSize, rate, target: reference[preset]?.[batchSize], sameRun, loadMs: entry.loadMs, refreshMs: entry.refreshMs });
    }
  }
  for (const { model } of models) await model.dispose();
  // tfjs-wasm on the 124M shape takes minutes per run on this machine: only with --tfjs all.
  if (args.tfjs !== 'off' && (preset === '4m' || args.tfjs === 'all')) {
    for (const batchSize of [1, 8]) {
      const rate = await tfjsBaseline(config, batchSize);
      if (rate !== undefined) baselines.set(`${preset}:${batchSize}`, rate);
    }
  }
}

console.log(`\nGeneration, prompt ${promptLength} -> ${newTokens} new tokens, greedy, ${threads} intra-op threads (spinning ${spinning ? "on" : "off"}${spinSetting === "auto" ? ", chosen by auto" : ""}), median of ${repeats}; 1-min load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end on ${(await import('node:os')).cpus().length} cores (shared machine: noisy)\n`);
console.log('| config | variant | batch | ORT tok/s | issue target (ORT on PyTorch export) | ratio | vs PyTorch export, same run | tfjs-wasm tok/s | ratio | session create ms | updateWeights ms |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const row of rows) {
  const ratio = row.target ? `${(row.rate / row.target).toFixed(2)}x` : '—';
  const baseline = baselines.get(`${row.preset}:${row.batchSize}`);
  const tfjsCells = baseline ? `${Math.round(baseline).toLocaleString('en-US')} | ${(row.rate / baseline).toFixed(1)}x` : 'n/a | —';
  console.log(
    `| ${row.preset} | ${row.variant} | ${row.batchSize} | ${Math.round(row.rate).toLocaleString('en-US')} | ${row.target ? row.target.toLocaleString('en-US') : '—'} | ${ratio} | ${row.sameRun ? `${row.sameRun.toFixed(2)}x` : '—'} | ${tfjsCells} | ${Math.round(row.loadMs)} | ${Number.isNaN(row.refreshMs) ? '—' : Math.round(row.refreshMs)} |`,
  );
}
