#!/usr/bin/env node
// The main job. Until the full pipeline lands, runs the tokenizer demo.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
execFileSync('node', [path.join(root, 'packages', 'tokenizer', 'bench', 'demo.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
