#!/usr/bin/env node
// Checks every publishable package the way a user meets it: publint on its
// manifest, `pnpm pack`, a plain `npm install` of the tarballs into a project
// outside the workspace, then an import from ESM and a require from CJS, each
// followed by a small real use of the package.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

// A real use of each package, run from both module systems. `m` is the module.
const smoke = {
  core: `const rng = m.createRng(1); const x = rng.next(); if (!(x >= 0 && x < 1)) throw new Error('createRng');
    const bytes = m.serializeSafetensors(new Map([['w', { dtype: 'float32', shape: [2], data: Float32Array.of(1, 2) }]]));
    if (m.toFloat32(m.parseSafetensors(bytes, 'mem').tensors.get('w'))[1] !== 2) throw new Error('safetensors round trip');`,
  tokenizer: `const t = await m.loadTokenizer('gpt2'); const ids = t.encode('Hello world'); if (t.decode(ids) !== 'Hello world') throw new Error('round trip failed: ' + ids);`,
  data: `const r = m.Ranking.safeParse({}); if (r.success) throw new Error('empty ranking accepted');`,
  tfjs: `const model = await m.createCausalLM({ config: { architecture: 'gpt2', vocabSize: 16, contextLength: 8, hiddenSize: 8, numLayers: 1, numHeads: 2 }, seed: 1, backend: 'cpu' });
    const out = await model.doLogprobs({ batch: { batchSize: 1, length: 3, ids: Int32Array.of(1, 2, 3), attentionMask: Uint8Array.of(1, 1, 1) } });
    if (out.logprobs.length !== 2 || !(out.logprobs[0] < 0)) throw new Error('logprobs'); model.dispose();`,
  evals: `const w = m.wilsonInterval(8, 10); if (!(w.ciLow > 0.49 && w.ciHigh < 0.95)) throw new Error('wilson');`,
  sim: `if (typeof m.goldScore !== 'function') throw new Error('goldScore missing');`,
  sft: `if (typeof m.sft !== 'function' || typeof m.pretrain !== 'function') throw new Error('sft/pretrain missing');`,
  reward: `const loss = m.rankingLoss; if (typeof loss !== 'function') throw new Error('rankingLoss missing');`,
  cli: `if (typeof m.createProgram !== 'function') throw new Error('createProgram missing'); if (!m.createProgram().commands.some((c) => c.name() === 'logprobs')) throw new Error('logprobs command missing');`,
};

const packages = readdirSync(path.join(root, 'packages'))
  .map((dir) => ({ dir: path.join(root, 'packages', dir), short: dir }))
  .filter(({ dir }) => existsSync(path.join(dir, 'package.json')))
  .map((entry) => ({ ...entry, manifest: JSON.parse(readFileSync(path.join(entry.dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);

const work = mkdtempSync(path.join(os.tmpdir(), 'instructkit-packages-'));
const failures = [];
try {
  const tarballs = {};
  for (const { dir, short, manifest } of packages) {
    console.log(`[check-packages] publint ${manifest.name}`);
    try {
      execFileSync(bin('publint'), ['run', dir, '--strict'], { stdio: 'inherit' });
    } catch {
      failures.push(`${manifest.name}: publint reported problems`);
    }
    const out = execFileSync(bin('pnpm'), ['pack', '--pack-destination', work, '--json'], { cwd: dir, encoding: 'utf8' });
    const filename = JSON.parse(out.slice(out.indexOf('{'))).filename;
    tarballs[manifest.name] = { file: path.isAbsolute(filename) ? filename : path.join(work, path.basename(filename)), short };
  }

  const project = path.join(work, 'consumer');
  execFileSync('mkdir', ['-p', project]);
  const fileSpecs = Object.fromEntries(Object.entries(tarballs).map(([name, { file }]) => [name, `file:${file}`]));
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, version: '1.0.0', dependencies: fileSpecs, overrides: fileSpecs }, null, 2),
  );
  console.log(`[check-packages] npm install ${Object.keys(tarballs).length} tarballs into ${project}`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: project,
    stdio: 'inherit',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });

  for (const [name, { short }] of Object.entries(tarballs)) {
    const use = smoke[short] ?? `if (Object.keys(m).length === 0) throw new Error('no exports');`;
    const esm = path.join(project, `${short}.mjs`);
    const cjs = path.join(project, `${short}.cjs`);
    writeFileSync(esm, `import * as m from '${name}';\n${use}\nconsole.log('esm ok: ${name}');\n`);
    writeFileSync(cjs, `const m = require('${name}');\n(async () => { ${use}\nconsole.log('cjs ok: ${name}'); })().catch((e) => { console.error(e); process.exit(1); });\n`);
    for (const file of [esm, cjs]) {
      try {
        execFileSync('node', [file], { cwd: project, stdio: 'inherit' });
      } catch {
        failures.push(`${name}: ${path.extname(file) === '.mjs' ? 'ESM import' : 'CJS require'} failed`);
      }
    }
  }
} finally {
  if (!process.env.KEEP_PACK_DIR) rmSync(work, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`\n[check-packages] ${failures.length} problem(s):\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`\n[check-packages] ${packages.length} packages packed, installed and imported from ESM and CJS.`);
