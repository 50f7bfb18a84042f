import type { Options } from 'tsup';

/**
 * The build every published `@polecat` package shares: ESM + CJS with declarations and source maps
 * for Node 20, class names kept (errors print as `CoordinatorError`, not `_CoordinatorError`).
 * Each package's `tsup.config.ts` calls it with its entry points (`name -> source file`), as in
 * `export default defineConfig(packageBuild({ index: 'src/index.ts' }))`; `overrides` adjust one
 * build (extra externals, a CLI banner).
 */
export function packageBuild(entry: Record<string, string>, overrides: Options = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    keepNames: true,
    ...overrides,
  };
}
