#!/usr/bin/env node
// The main job: the whole InstructGPT pipeline on the embedded sim task (`instructkit pipeline`).
//   npm run demo                    default preset, starting from the committed base model → runs/demo/
//   npm run demo -- --quick         the same pipeline at toy sizes (about a minute) → runs/quick/
//   npm run demo -- --from-scratch  also pretrains the base LM
// Any other `instructkit pipeline` flag passes through (--config, --name, --json).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();
const result = spawnSync(process.execPath, [path.join(root, 'packages', 'cli', 'dist', 'bin.js'), 'pipeline', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
process.stderr.write(`demo: ${((Date.now() - started) / 1000).toFixed(0)} s wall clock\n`);
process.exit(result.status ?? 1);
