import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// src/ in tests, dist/ when built: either way the fixtures sit one level up.
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/**
 * Absolute path of `packages/test-utils/fixtures/<name>`, e.g. `tiny-gpt2` (a Hugging Face
 * layout directory: `config.json`, `model.safetensors`, `expected.json`).
 *
 * Fixtures: `tiny-gpt2` (F32, `transformer.` prefix, mask buffers), `tiny-gpt2-noprefix`
 * (same weights, F16, no prefix), `tiny-gpt2-scalar` (same trunk, BF16, `score.*` head).
 * Regenerate them with `/usr/bin/python3 scripts/dev/make-gpt2-fixture.py`.
 *
 * @param name - Fixture name, optionally with a file inside it (`tiny-gpt2/expected.json`).
 * @throws {Error} when it does not exist.
 */
export function fixturePath(name: string): string {
  const resolved = path.join(FIXTURES, name);
  if (!existsSync(resolved)) throw new Error(`fixture "${name}" does not exist in ${FIXTURES}`);
  return resolved;
}
