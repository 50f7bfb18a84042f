import { describe, expect, it } from 'vitest';
import { isPolecatError } from '@polecat/kit';
import { InMemoryLockServer, runShards, type RunShardsOptions } from '../src/index';

const agent = async ({ signal }: { signal: AbortSignal }): Promise<void> => {
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
};
const memory = (): RunShardsOptions['connection'] => ({ backend: 'memory', server: new InMemoryLockServer() });
const url = 'postgres://app:secret@127.0.0.1:1/app';

/** Each bad input, and a word its typed error must contain. */
const BAD_INPUTS: readonly [string, () => unknown, RegExp][] = [
  ['no options', () => runShards(undefined as never), /options object/],
  ['null options', () => runShards(null as never), /options object/],
  ['shards: null', () => runShards({ connection: memory(), shards: null as never }), /no shards/],
  ['shards: {}', () => runShards({ connection: memory(), shards: {} }), /no shards/],
  ['shards: []', () => runShards({ connection: memory(), shards: [] }), /no shards/],
  ['shards: a Map', () => runShards({ connection: memory(), shards: new Map([['Trip', agent]]) as never }), /Map/],
  ['a non-canonical shard key', () => runShards({ connection: memory(), shards: { 'a:V02:b': agent } }), /a:V2:b/],
  ['databases: []', () => runShards({ connection: memory(), shards: { Trip: agent }, databases: [] }), /empty list/],
  [
    'a databases function that throws',
    () =>
      runShards({
        connection: memory(),
        shards: { Trip: agent },
        databases: () => {
          throw new Error('tenant table missing');
        },
      }),
    /tenant table missing/,
  ],
  ["logger: 'console'", () => runShards({ connection: memory(), shards: { Trip: agent }, logger: 'console' as never }), /logger/],
  ['logger: 42', () => runShards({ connection: memory(), shards: { Trip: agent }, logger: 42 as never }), /logger/],
  ['logger: {}', () => runShards({ connection: memory(), shards: { Trip: agent }, logger: {} as never }), /logger/],
  [
    "startFailureBackoff: 'fast'",
    () => runShards({ connection: memory(), shards: { Trip: agent }, settings: { startFailureBackoff: 'fast' as never } }),
    /startFailureBackoff/,
  ],
  ["applicationName: ''", () => runShards({ connection: url, shards: { Trip: agent }, applicationName: '' }), /applicationName/],
  ['applicationName of 64 characters', () => runShards({ connection: url, shards: { Trip: agent }, applicationName: 'p'.repeat(64) }), /applicationName/],
  ["applicationName: 'é'", () => runShards({ connection: url, shards: { Trip: agent }, applicationName: 'é' }), /applicationName/],
  ['applicationName: 123', () => runShards({ connection: url, shards: { Trip: agent }, applicationName: 123 as never }), /applicationName/],
  [
    "{ backend: 'memory', server: 'x' }",
    () => runShards({ connection: { backend: 'memory', server: 'x' as never }, shards: { Trip: agent } }),
    /InMemoryLockServer/,
  ],
];

describe('runShards refuses bad input at once with a typed INVALID_CONFIGURATION error', () => {
  it.each(BAD_INPUTS)('%s', async (_name, call, says) => {
    let caught: unknown;
    try {
      await call();
    } catch (error) {
      caught = error;
    }
    expect(isPolecatError(caught), String(caught)).toBe(true);
    expect((caught as { code: string }).code).toBe('INVALID_CONFIGURATION');
    expect((caught as Error).message).toMatch(says);
    expect((caught as Error).message).not.toContain('secret');
  });
});
