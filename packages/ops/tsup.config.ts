import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.ts';

export default defineConfig([
  packageBuild({ index: 'src/index.ts', cli: 'src/cli.ts', web: 'src/web.ts' }),
  // the `polecat` command (ESM only; bin entry)
  packageBuild({ bin: 'src/cli/main.ts' }, { format: ['esm'], dts: false, clean: false, banner: { js: '#!/usr/bin/env node' } }),
]);
