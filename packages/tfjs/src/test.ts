/**
 * Test helpers for InstructKit tfjs users (import from `@instructkit/tfjs/test` in vitest suites;
 * vitest is an optional peer dependency needed only by this entry).
 */
import { beforeAll, describe } from 'vitest';
import { selectBackend } from '@instructkit/tfjs';

/**
 * Runs the same suite once per tfjs backend: each copy is a `describe('on <backend>')`
 * whose `beforeAll` selects that backend, so its tests run on it.
 * Tests must not switch backends themselves.
 *
 * @param backends - Registered backend names (`cpu`, `wasm`, …).
 * @param suite - Defines the tests; receives the backend name.
 * @example
 * describeBackends(['cpu', 'wasm'], (backend) => {
 *   it('scores a batch', async () => { ... });
 * });
 */
export function describeBackends(backends: readonly string[], suite: (backend: string) => void): void {
  for (const backend of backends) {
    describe(`on ${backend}`, () => {
      beforeAll(async () => {
        await selectBackend({ backend, log: () => undefined });
      });
      suite(backend);
    });
  }
}
