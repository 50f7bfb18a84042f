import * as appLock from '@polecat/app-lock';
import * as coordinator from '@polecat/coordinator';
import * as diAdapters from '@polecat/di-adapters';
import * as distributors from '@polecat/distributors';
import * as fencing from '@polecat/fencing';
import { describe, expect, it } from 'vitest';
import * as umbrella from '../src/index';

// The umbrella lists its re-exports explicitly (the public API at a glance); this keeps the list
// complete as the packages grow. Types are checked by the build; values here.
describe('@polecat/polecat re-exports', () => {
  it.each([
    ['@polecat/app-lock', appLock],
    ['@polecat/distributors', distributors],
    ['@polecat/coordinator', coordinator],
    ['@polecat/di-adapters', diAdapters],
    ['@polecat/fencing', fencing],
  ] as const)('every runtime export of %s', (_name, module) => {
    const missing = Object.keys(module).filter((key) => (umbrella as Record<string, unknown>)[key] !== (module as Record<string, unknown>)[key]);
    expect(missing).toEqual([]);
  });
});
