#!/usr/bin/env node
// Runs every package's `bench` script one after another (never in parallel: the
// numbers are wall-clock throughput on a 2-core machine) and prints their tables.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);
const packages = readdirSync(path.join(root, 'packages'))
  .filter((name) => existsSync(path.join(root, 'packages', name, 'package.json')))
  .filter((name) => JSON.parse(readFileSync(path.join(root, 'packages', name, 'package.json'), 'utf8')).scripts?.bench)
  .filter((name) => only.length === 0 || only.includes(name));

for (const name of packages) {
  console.log(`\n## @instructkit/${name}\n`);
  execFileSync(path.join(root, 'node_modules', '.bin', 'pnpm'), ['run', '--silent', 'bench'], {
    cwd: path.join(root, 'packages', name),
    stdio: 'inherit',
  });
}
