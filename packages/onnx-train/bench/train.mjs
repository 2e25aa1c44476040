#!/usr/bin/env node
// `npm run bench` for @instructkit/onnx-train: training tokens/s of issue 9's three GPT-2-shaped
// presets on the compiled ONNX engine (against dist/, so build first), printed as a table with
// ratios to issue 9's PyTorch figures (5,260 / 939 / 224 tok/s, measured on an idle machine) and,
// when python3 with torch is installed, to PyTorch measured now, interleaved with our runs so
// both see the same machine load. Each measurement runs in its own process (peak RSS per run).
//
//   node bench/train.mjs [--presets 4m,30m,124m] [--steps 6] [--repeats 2] [--tfjs] [--no-pytorch]
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
// Children import a snapshot of dist/ taken when the bench starts: a concurrent `turbo build`
// (which cleans dist/) cannot pull the module out from under a run. Inside node_modules, so
// the package's dependencies still resolve.
const snapshot = path.join(here, '..', 'node_modules', '.cache', 'onnx-train-bench');

if (args[0] === '--child') {
  const [, engine, preset, steps, spinning] = args;
  const onnxTrain = await import(path.join(snapshot, 'index.js'));
  const settings = onnxTrain.TRAINING_BENCHMARK_PRESETS[preset];
  const training = { optimizer: { learningRate: 1e-4, weightDecay: 0.01 }, maxGradNorm: 1, seed: 0 };
  let model;
  if (engine === 'onnx') {
    // The engine's defaults (2 threads, memory arena on, memory pattern off) but for spinning.
    model = onnxTrain.createOnnxTrainableModel({ config: settings.config, training, session: { intraOpThreads: 2, allowSpinning: spinning === '1' } });
  } else {
    const tfjs = await import('@instructkit/tfjs');
    await tfjs.selectBackend();
    model = await tfjs.createCausalLM({ config: settings.config, seed: 0 });
    model.configureTraining(training);
  }
  const result = await onnxTrain.measureTrainingThroughput(model, {
    vocabSize: settings.config.vocabSize,
    batchSize: settings.batchSize,
    length: settings.length,
    steps: Number(steps),
  });
  process.stdout.write(`${JSON.stringify({ engine: model.engine, ...result })}\n`);
  model.dispose();
  process.exit(0);
}

const option = (name, fallback) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : fallback;
};
const presets = option('--presets', '4m,30m').split(',');
const repeats = Number(option('--repeats', '2'));
const stepsFor = { '4m': 6, '30m': 4, '124m': 2 };
const issuePytorch = { '4m': 5260, '30m': 939, '124m': 224 };

function runChild(engine, preset, steps, spinning = false, attempt = 1) {
  const result = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', engine, preset, String(steps), spinning ? '1' : '0'], {
    encoding: 'utf8',
    env: { ...process.env, INSTRUCTKIT_QUIET: '1' },
    maxBuffer: 1 << 24,
  });
  // A workspace build running beside the bench cleans dependencies' dist/ for a moment: wait and retry.
  if (result.status !== 0 && result.stderr.includes('ERR_MODULE_NOT_FOUND') && attempt < 4) {
    spawnSync('sleep', ['30']);
    return runChild(engine, preset, steps, spinning, attempt + 1);
  }
  if (result.status !== 0) throw new Error(`${engine} ${preset} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

// The first interpreter that imports torch (Debian's torch lives in /usr/bin/python3's site-packages).
function findTorchPython() {
  if (args.includes('--no-pytorch')) return undefined;
  for (const candidate of [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)) {
    try {
      execFileSync(candidate, ['-c', 'import torch'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

function runPytorch(preset, steps) {
  const output = execFileSync(torch, [path.join(here, 'pytorch_reference.py'), preset, String(steps)], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '2', OMP_NUM_THREADS: '1' },
  });
  return JSON.parse(output.trim().split('\n').pop());
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

if (!existsSync(path.join(here, '..', 'dist', 'index.js'))) {
  console.error('dist/ is missing: run `npx turbo run build --filter=@instructkit/onnx-train` first');
  process.exit(1);
}
rmSync(snapshot, { recursive: true, force: true });
cpSync(path.join(here, '..', 'dist'), snapshot, { recursive: true });
const torch = findTorchPython();
console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), load average ${os.loadavg().map((value) => value.toFixed(1)).join(' ')}`);
const rows = [];
for (const preset of presets) {
  const steps = Number(option('--steps', stepsFor[preset]));
  const onnx = [];
  const pytorch = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    onnx.push(runChild('onnx', preset, steps));
    if (torch) pytorch.push(runPytorch(preset, steps).tokensPerSecond);
  }
  const tokensPerSecond = median(onnx.map((run) => run.tokensPerSecond));
  const row = {
    preset,
    engine: 'onnx (2 threads, no spinning)',
    tokensPerSecond,
    peakRssMB: Math.max(...onnx.map((run) => run.peakRssMB)),
    vsIssuePytorch: tokensPerSecond / issuePytorch[preset],
    pytorchNow: torch ? median(pytorch) : undefined,
  };
  rows.push(row);
  if (preset === '4m' && !args.includes('--no-spinning-check')) {
    const spinning = median(Array.from({ length: repeats }, () => runChild('onnx', preset, steps, true).tokensPerSecond));
    rows.push({ preset, engine: 'onnx (2 threads, spinning)', tokensPerSecond: spinning, peakRssMB: NaN, vsIssuePytorch: spinning / issuePytorch[preset], pytorchNow: row.pytorchNow });
  }
  if (args.includes('--tfjs') && preset === '4m') {
    const tfjs = runChild('tfjs', preset, Math.min(steps, 3));
    rows.push({ preset, engine: tfjs.engine, tokensPerSecond: tfjs.tokensPerSecond, peakRssMB: tfjs.peakRssMB, vsIssuePytorch: tfjs.tokensPerSecond / issuePytorch[preset], pytorchNow: row.pytorchNow });
  }
}
const format = (value, digits = 0) => (value === undefined || Number.isNaN(value) ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
console.log(`load average at the end ${os.loadavg().map((value) => value.toFixed(1)).join(' ')}`);
console.log('| preset | engine | tok/s | peak RSS MiB | × issue PyTorch | PyTorch now tok/s | × PyTorch now |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) {
  console.log(
    `| ${row.preset} | ${row.engine} | ${format(row.tokensPerSecond)} | ${format(row.peakRssMB)} | ${format(row.vsIssuePytorch, 2)} | ${format(row.pytorchNow)} | ${row.pytorchNow ? format(row.tokensPerSecond / row.pytorchNow, 2) : '—'} |`,
  );
}
