import { InMemoryLockServer } from '@polecat/app-lock';
import { describe, expect, it } from 'vitest';
import { DiAdapterError, createProjectionCoordinator, type CoordinatorOptions } from '../src/index';

const server = new InMemoryLockServer();
const base: CoordinatorOptions = { shards: { Trip: async () => undefined }, createLock: () => server.createLock() };

describe('createProjectionCoordinator refuses what could never run, at once', () => {
  it.each([
    ['null options', null, /options must be an object/],
    ['shards: {}', { ...base, shards: {} }, /no shards/],
    ['shards: null', { ...base, shards: null }, /no shards/],
    ['a non-canonical shard identity', { ...base, shards: { 'Trip:V02:All': async () => undefined } }, /Trip:V2:All/],
    ['databases: []', { ...base, databases: [] }, /empty list/],
    ['a database without an id', { ...base, databases: [{ id: '' }] }, /non-empty string id/],
    ['logger: 42', { ...base, logger: 42 }, /logger must be/],
    ["logger: 'console'", { ...base, logger: 'console' }, /logger must be/],
  ])('%s', (_name, options, says) => {
    let caught: unknown;
    try {
      createProjectionCoordinator('HotCold', options as never);
    } catch (error) {
      caught = error;
    }
    expect(DiAdapterError.is(caught), String(caught)).toBe(true);
    expect((caught as Error).message).toMatch(says);
  });

  it('accepts logger: false (silence) and a databases function', () => {
    expect(() => createProjectionCoordinator('HotCold', { ...base, logger: false, databases: () => [] })).not.toThrow();
  });
});
