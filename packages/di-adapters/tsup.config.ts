import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.ts';

export default defineConfig(packageBuild({ index: 'src/index.ts', nestjs: 'src/nestjs/index.ts', awilix: 'src/awilix/index.ts', node: 'src/node/index.ts' }));
