import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.ts';

export default defineConfig(
  packageBuild({ index: 'src/index.ts', 'sql-server': 'src/sql-server/index.ts', testing: 'src/testing/index.ts' }, { external: ['mssql', 'vitest'] }),
);
