import { resolve } from 'node:path';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * Shared vitest configuration for every workspace package.
 *
 * - Unit tests: `test/**\/*.test.ts` (no database).
 * - Integration tests: `test/**\/*.integration.test.ts` (real PostgreSQL; SQL Server when
 *   `POLECAT_TEST_MSSQL` is set).
 * - When `POLECAT_TEST_RESULTS` is set (CI), a JSON report per package and Node major is written
 *   there so `.ci/run` can print one `N passed, N failed, N skipped` line.
 */
export function packageTestConfig(packageName: string, overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  const resultsDir = process.env.POLECAT_TEST_RESULTS;
  const nodeMajor = process.versions.node.split('.')[0];
  const safeName = packageName.replace(/[^a-z0-9-]+/gi, '_');
  return defineConfig({
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 30_000,
      // Integration suites share one database server; files in a package run one at a time.
      fileParallelism: false,
      reporters: resultsDir ? ['default', ['json', { outputFile: resolve(resultsDir, `${safeName}-node${nodeMajor}.json`) }]] : ['default'],
      ...overrides,
    },
  });
}
