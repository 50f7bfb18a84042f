import { describe, expect, it } from 'vitest';
import { parseShardName, shardName, withTenant } from '../src';

describe('ShardName prints its identity', () => {
  it('String(shard) and template strings read the identity, JSON and equality are unchanged', () => {
    const trip = shardName('Trip');
    expect(String(trip)).toBe('Trip:All');
    expect(`${shardName('Trip', { version: 2, tenant: 'acme' })}`).toBe('Trip:V2:All:acme');
    expect(String(withTenant(trip, 'beta'))).toBe('Trip:All:beta');
    expect(String(parseShardName('Day:V3:Key'))).toBe('Day:V3:Key');
    expect(JSON.parse(JSON.stringify(trip))).toEqual({ name: 'Trip', shardKey: 'All', version: 1, identity: 'Trip:All' });
    expect(trip).toEqual({ name: 'Trip', shardKey: 'All', version: 1, identity: 'Trip:All' });
    expect(Object.keys(trip)).toEqual(['name', 'shardKey', 'version', 'identity']);
  });
});
