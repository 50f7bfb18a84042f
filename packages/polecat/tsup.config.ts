import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    postgres: 'src/postgres.ts',
    'sql-server': 'src/sql-server.ts',
    nestjs: 'src/nestjs.ts',
    awilix: 'src/awilix.ts',
    node: 'src/node.ts',
    otel: 'src/otel.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  keepNames: true, // class names survive bundling: errors print as CoordinatorError, not _CoordinatorError
});
