import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.ts';

export default defineConfig(
  packageBuild({
    index: 'src/index.ts',
    postgres: 'src/postgres.ts',
    'sql-server': 'src/sql-server.ts',
    nestjs: 'src/nestjs.ts',
    awilix: 'src/awilix.ts',
    node: 'src/node.ts',
    otel: 'src/otel.ts',
  }),
);
