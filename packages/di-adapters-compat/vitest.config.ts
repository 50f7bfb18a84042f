import { resolve } from 'node:path';
import { packageTestConfig } from '../../vitest.shared.ts';

// Runs @polecat/di-adapters' own test suite against the PREVIOUS tested majors (NestJS 11, Awilix 12,
// installed here), while @polecat/di-adapters itself tests the newest (NestJS 12, Awilix 13). Imports
// of the frameworks from the suite and the sources are aliased to this package's copies; the child
// processes the suite spawns get the same redirection through a Node resolve hook (peer-redirect.mjs).
const here = import.meta.dirname;
const modules = resolve(here, 'node_modules');
const config = packageTestConfig('@polecat/di-adapters-compat', {
  root: resolve(here, '../di-adapters'),
  env: {
    POLECAT_FIXTURE_IMPORT: resolve(here, 'peer-redirect.mjs'),
    POLECAT_EXPECT_PEER_MAJORS: JSON.stringify({ '@nestjs/core': 11, '@nestjs/common': 11, '@nestjs/terminus': 11, awilix: 12 }),
  },
});
config.resolve = {
  alias: [{ find: /^(@nestjs\/(?:common|core|testing|terminus)|awilix)(\/.*)?$/, replacement: `${modules}/$1$2` }],
};
export default config;
