import { describe, expect, it } from 'vitest';
import { applicationLockNamePrefix, singleTenantSets } from '../src/index';

describe('SQL Server cluster view helpers (pure)', () => {
  it('reads the name part of an APPLICATION resource_description (<principal>:<up to 32 chars>:(<hash>))', () => {
    expect(applicationLockNamePrefix('0:[1427457373]:(8e3b7f1a)')).toBe('1427457373');
    expect(applicationLockNamePrefix('0:polecat:member:single-tenant:d:(0a1b2c3d)')).toBe('polecat:member:single-tenant:d');
    expect(applicationLockNamePrefix('KEY: 5:72057594038321152 (8194443284a0)')).toBeUndefined();
  });

  it('computes the SingleTenant sets as the distributors do (dbo:Trip:All -> 1427457373 with base 4444)', () => {
    expect(singleTenantSets(['Trip'])).toEqual([{ key: 'default/1427457373', lockId: 1427457373, database: 'default', shards: ['Trip:All'] }]);
    expect(singleTenantSets(['Trip:All'], 'dbo', 4444)[0]!.lockId).toBe(1427457373);
  });
});
