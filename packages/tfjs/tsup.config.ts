import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base';

export default defineConfig({
  ...packageBuild({ index: 'src/index.ts', test: 'src/test.ts' }),
  // The test entry imports the main entry by name so both share one backend registry;
  // vitest is an optional peer needed only by the test entry.
  external: ['vitest', '@instructkit/tfjs'],
});
