#!/usr/bin/env node
// Installs the workspace's dependencies when they are missing or older than a
// manifest, so that `npm test` / `npm run demo` work as the first command in a
// fresh clone. pnpm is reached through npx at the pinned version: corepack does
// not work on the project's machines and must not be needed.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pinned = JSON.parse(
  (await import('node:fs')).readFileSync(path.join(root, 'package.json'), 'utf8'),
).packageManager;
const marker = path.join(root, 'node_modules', '.modules.yaml');

function manifests() {
  const files = [path.join(root, 'package.json'), path.join(root, 'pnpm-workspace.yaml')];
  if (existsSync(path.join(root, 'pnpm-lock.yaml'))) files.push(path.join(root, 'pnpm-lock.yaml'));
  for (const group of ['packages', 'examples']) {
    const dir = path.join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const manifest = path.join(dir, name, 'package.json');
      if (existsSync(manifest)) files.push(manifest);
    }
  }
  const docsManifest = path.join(root, 'docs', 'package.json');
  if (existsSync(docsManifest)) files.push(docsManifest);
  return files;
}

function isStale() {
  if (!existsSync(marker)) return true;
  const installedAt = statSync(marker).mtimeMs;
  return manifests().some((file) => statSync(file).mtimeMs > installedAt);
}

if (isStale() || process.argv.includes('--force')) {
  const args = ['-y', pinned, 'install'];
  if (process.env.CI) args.push('--frozen-lockfile');
  console.log(`[instructkit] installing dependencies: npx ${args.join(' ')}`);
  execFileSync('npx', args, {
    cwd: root,
    stdio: 'inherit',
    // Belt and braces: onnxruntime-node's install script is also blocked by allowBuilds.
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', ONNXRUNTIME_NODE_INSTALL_CUDA: 'skip' },
  });
}
