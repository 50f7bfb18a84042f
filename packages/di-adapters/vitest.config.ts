import { resolve } from 'node:path';
import { packageTestConfig } from '../../vitest.shared.ts';

const config = packageTestConfig('@polecat/di-adapters');
// awilix does not export its package.json; test/peer-versions.test.ts reads it to check the major under test
config.resolve = { alias: [{ find: /^awilix\/package\.json$/, replacement: resolve(import.meta.dirname, 'node_modules/awilix/package.json') }] };
export default config;
