// `node --import ./peer-redirect.mjs`: resolves NestJS and Awilix imports made outside node_modules
// (the di-adapters sources and test fixtures) from THIS package, i.e. the previous tested majors.
import { register } from 'node:module';

register('./peer-redirect-hooks.mjs', import.meta.url);
