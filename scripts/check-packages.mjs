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
  core: `if (typeof m.InstructKitError !== 'function') throw new Error('InstructKitError missing');`,
  tokenizer: `const t = await m.loadTokenizer('gpt2'); const ids = t.encode('Hello world'); if (t.decode(ids) !== 'Hello world') throw new Error('round trip failed: ' + ids);`,
  data: `if (typeof m.readRecords !== 'function') throw new Error('readRecords missing');`,
  cli: `if (typeof m.createProgram !== 'function') throw new Error('createProgram missing');`,
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
