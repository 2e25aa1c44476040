import type { Options } from 'tsup';

/**
 * The build every publishable package shares: ESM + CJS + type declarations from
 * `src/index.ts` (and `src/test.ts`, the mock-model entry, when a package has one).
 */
export function packageBuild(entries: Record<string, string> = { index: 'src/index.ts' }): Options {
  return {
    entry: entries,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: false,
    treeshake: true,
    // Lets sources use import.meta.url (to find files shipped beside them) in the CJS build too.
    shims: true,
  };
}
