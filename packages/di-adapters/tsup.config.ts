import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {"index":"src/index.ts","nestjs":"src/nestjs/index.ts","awilix":"src/awilix/index.ts","node":"src/node/index.ts"},
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  keepNames: true, // class names survive bundling: errors print as CoordinatorError, not _CoordinatorError
});
