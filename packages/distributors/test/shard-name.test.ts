import { describe, expect, it } from 'vitest';
import { DistributorError } from '../src/errors';
import { assertShardName, assertUniqueShards, globalIdentity, parseShardName, shardName, withTenant, type ShardName } from '../src/shard-name';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return DistributorError.is(error) ? error.code : 'not-a-distributor-error';
  }
  return undefined;
}

describe('shardName', () => {
  it('builds the identities of the originals', () => {
    expect(shardName('Trip')).toEqual({ name: 'Trip', shardKey: 'All', version: 1, identity: 'Trip:All' });
    expect(shardName('Trip', { shardKey: 'Europe' }).identity).toBe('Trip:Europe');
    expect(shardName('Trip', { version: 1 }).identity).toBe('Trip:All');
    expect(shardName('Trip', { version: 2 }).identity).toBe('Trip:V2:All');
    expect(shardName('Trip', { version: 3, shardKey: 'EU', tenant: 'acme' }).identity).toBe('Trip:V3:EU:acme');
    expect(shardName('Trip', { tenant: 'acme' })).toEqual({ name: 'Trip', shardKey: 'All', version: 1, tenant: 'acme', identity: 'Trip:All:acme' });
    expect(Object.isFrozen(shardName('Trip'))).toBe(true);
    expect('tenant' in shardName('Trip')).toBe(false);
  });

  it('rejects empty parts, ":" inside a part and bad versions with INVALID_SHARD_NAME', () => {
    expect(codeOf(() => shardName(''))).toBe('INVALID_SHARD_NAME');
    expect(codeOf(() => shardName('Trip:All'))).toBe('INVALID_SHARD_NAME');
    expect(codeOf(() => shardName('Trip', { shardKey: '' }))).toBe('INVALID_SHARD_NAME');
    expect(codeOf(() => shardName('Trip', { shardKey: 'a:b' }))).toBe('INVALID_SHARD_NAME');
    expect(codeOf(() => shardName('Trip', { tenant: '' }))).toBe('INVALID_SHARD_NAME');
    expect(codeOf(() => shardName('Trip', { tenant: 'x:y' }))).toBe('INVALID_SHARD_NAME');
    for (const version of [0, -1, 1.5, Number.NaN]) expect(codeOf(() => shardName('Trip', { version }))).toBe('INVALID_SHARD_NAME');
    expect(codeOf(() => shardName('Trip'))).toBeUndefined();
  });

  it('withTenant expands (or re-targets) a shard and keeps the store-global identity', () => {
    const trip = shardName('Trip', { version: 2 });
    const acme = withTenant(trip, 'acme');
    expect(acme.identity).toBe('Trip:V2:All:acme');
    expect(withTenant(acme, 'globex').identity).toBe('Trip:V2:All:globex');
    expect(globalIdentity(acme)).toBe('Trip:V2:All');
    expect(globalIdentity(trip)).toBe(trip.identity);
    expect(codeOf(() => withTenant(trip, ''))).toBe('INVALID_SHARD_NAME');
  });
});

describe('parseShardName', () => {
  it('round-trips every identity form', () => {
    const samples = [
      shardName('Trip'),
      shardName('Trip', { shardKey: 'EU' }),
      shardName('Trip', { version: 2 }),
      shardName('Trip', { tenant: 'acme' }),
      shardName('Trip', { version: 12, shardKey: 'EU', tenant: 'acme' }),
      shardName('Trip', { shardKey: 'V1', tenant: 'acme' }),
    ];
    for (const sample of samples) expect(parseShardName(sample.identity)).toEqual(sample);
  });

  it('reads a V{n>1} middle part as a version (documented ambiguity)', () => {
    expect(parseShardName('Trip:V2:All')).toMatchObject({ shardKey: 'All', version: 2 });
    expect(parseShardName('Trip:V1:All')).toMatchObject({ shardKey: 'V1', version: 1, tenant: 'All' });
  });

  it('rejects malformed identities', () => {
    for (const bad of ['', 'Trip', ':All', 'Trip:', 'a:b:c:d', 'a:V2:b:c:d', 'Trip::All']) {
      expect(
        codeOf(() => parseShardName(bad)),
        bad,
      ).toBe('INVALID_SHARD_NAME');
    }
  });
});

describe('configuration checks', () => {
  it('rejects a structural shard whose identity does not match its parts', () => {
    const forged: ShardName = { name: 'Trip', shardKey: 'All', version: 2, identity: 'Trip:All' };
    expect(codeOf(() => assertShardName(forged))).toBe('INVALID_SHARD_NAME');
    expect(codeOf(() => assertShardName({ ...forged, identity: 'Trip:V2:All' }))).toBeUndefined();
  });

  it('rejects duplicate identities with DUPLICATE_SHARD, but allows one shard per tenant', () => {
    expect(codeOf(() => assertUniqueShards([shardName('Trip'), shardName('Day'), shardName('Trip')]))).toBe('DUPLICATE_SHARD');
    expect(codeOf(() => assertUniqueShards([shardName('Trip', { tenant: 'a' }), shardName('Trip', { tenant: 'b' })]))).toBeUndefined();
  });
});

describe('DistributorError', () => {
  it('has a code, a cause and a brand check that survives copies', () => {
    const cause = new Error('root');
    const error = new DistributorError('DISPOSED', 'gone', { cause });
    expect(error.code).toBe('DISPOSED');
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('DistributorError');
    expect(DistributorError.is(error)).toBe(true);
    expect(DistributorError.hasCode(error, 'DISPOSED')).toBe(true);
    expect(DistributorError.hasCode(error, 'DUPLICATE_SHARD')).toBe(false);
    expect(DistributorError.is({ [Symbol.for('@polecat/distributors/DistributorError')]: true })).toBe(true);
    expect(DistributorError.is(new Error('x'))).toBe(false);
    expect(DistributorError.is(null)).toBe(false);
  });
});
