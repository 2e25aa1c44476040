import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

const packagesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'packages');

/**
 * Test config shared by every package. Workspace imports resolve to the packages'
 * TypeScript sources, so a test never runs against a stale `dist/`.
 */
export function packageTestConfig(packageDir: string, overrides: UserWorkspaceConfig['test'] = {}) {
  return defineProject({
    resolve: {
      alias: [
        { find: /^@instructkit\/([a-z0-9-]+)\/test$/, replacement: `${packagesDir}/$1/src/test.ts` },
        { find: /^@instructkit\/([a-z0-9-]+)$/, replacement: `${packagesDir}/$1/src/index.ts` },
      ],
    },
    test: {
      name: path.basename(packageDir),
      root: packageDir,
      include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      ...overrides,
    },
  });
}
