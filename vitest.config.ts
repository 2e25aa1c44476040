import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'examples/*/vitest.config.ts'],
    // Two cores here: more workers only thrash the wasm backends.
    maxWorkers: 2,
    passWithNoTests: true,
  },
});
