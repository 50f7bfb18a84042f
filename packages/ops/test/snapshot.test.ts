import { describe, expect, it } from 'vitest';
import { advisoryKey, buildClusterSnapshot, nodeIdOfApplicationName, resolveShardTarget, type NodeRecord } from '../src/index';
import { diffHolders, reviseCauses } from '../src/web';

const known = [
  { key: 'default/1001', lockId: 1001, database: 'default', shards: ['Trip:All'] },
  { key: 'default/1002', lockId: 1002, database: 'default', shards: ['Day:All'] },
  { key: 'default/-5', lockId: -5, database: 'default', shards: ['Neg:All'] },
];

const node = (nodeId: string, seenAt: string, owned: NodeRecord['owned'] = []): NodeRecord => ({
  nodeId,
  host: 'h',
  pid: 1,
  version: 'v',
  startedAt: '2026-01-01T00:00:00.000Z',
  seenAt,
  sets: known,
  owned,
});

describe('advisoryKey', () => {
  it('joins classid (high half) and objid (low half) into the signed 64-bit key', () => {
    expect(advisoryKey('0', '4444')).toBe('4444');
    expect(advisoryKey('4294967295', '4294967291')).toBe('-5'); // a negative 32-bit lock id, sign-extended
    expect(advisoryKey(1, 0)).toBe(String(2 ** 32));
  });
});

describe('nodeIdOfApplicationName', () => {
  it('reads polecat:{nodeId} and nothing else', () => {
    expect(nodeIdOfApplicationName('polecat:web-1')).toBe('web-1');
    expect(nodeIdOfApplicationName('polecat-ops:web-1')).toBeUndefined();
    expect(nodeIdOfApplicationName('polecat:')).toBeUndefined();
    expect(nodeIdOfApplicationName(null)).toBeUndefined();
  });
});

describe('resolveShardTarget', () => {
  it('accepts a set key, a shard identity or a shard name with the default key', () => {
    expect(resolveShardTarget('default/1001', known)).toBe('default/1001');
    expect(resolveShardTarget('Day:All', known)).toBe('Day:All');
    expect(resolveShardTarget('Trip', known)).toBe('Trip:All');
    expect(resolveShardTarget('Nope', known)).toBeUndefined();
  });
});

describe('buildClusterSnapshot', () => {
  it('names each holder, since when, unheld sets, pauses, drains, dead nodes and unsettled agents', () => {
    const snapshot = buildClusterSnapshot({
      backend: 'postgres',
      at: '2026-01-01T00:01:00.000Z',
      nodes: [
        node('a', '2026-01-01T00:00:50.000Z', [
          { key: 'default/1001', since: '2026-01-01T00:00:10.000Z', agents: [{ shard: 'Trip:All', status: 'Stopping' }] },
        ]),
        node('gone', '2026-01-01T00:00:01.000Z'),
      ],
      locks: new Map([
        ['1001', { nodeId: 'a', session: 11, applicationName: 'polecat:a' }],
        ['-5', { session: 99, applicationName: 'dotnet' }],
      ]),
      sessions: [
        { nodeId: 'a', session: 11, applicationName: 'polecat:a' },
        { nodeId: 'b', session: 12, applicationName: 'polecat:b' },
      ],
      intents: [
        { kind: 'pause', target: 'Day:All', requestedBy: 'me', requestedAt: '2026-01-01T00:00:30.000Z', reason: 'why' },
        { kind: 'drain', target: 'b', requestedBy: 'me', requestedAt: '2026-01-01T00:00:31.000Z' },
      ],
    });
    const byKey = Object.fromEntries(snapshot.sets.map((set) => [set.key, set]));
    expect(byKey['default/1001']).toMatchObject({ holder: { nodeId: 'a' }, since: '2026-01-01T00:00:10.000Z' });
    expect(byKey['default/-5']!.holder).toEqual({ session: 99, applicationName: 'dotnet' });
    expect(byKey['default/1002']).toMatchObject({ paused: { reason: 'why' } });
    expect(byKey['default/1002']!.holder).toBeUndefined();
    expect(snapshot.unheld).toEqual(['default/1002']);
    expect(snapshot.nodes.map((n) => [n.nodeId, n.live, n.holds.length, n.draining?.target])).toEqual([
      ['a', true, 1, undefined],
      ['b', true, 0, 'b'],
      ['gone', false, 0, undefined],
    ]);
    expect(snapshot.unsettledAgents).toEqual([{ nodeId: 'a', set: 'default/1001', shard: 'Trip:All', status: 'Stopping' }]);
  });
});

describe('diffHolders', () => {
  it('reports holder changes between snapshots with their cause; the first snapshot is state, not a change', () => {
    const base = { backend: 'postgres' as const, nodes: [node('a', '2026-01-01T00:00:00.000Z'), node('b', '2026-01-01T00:00:00.000Z')], intents: [] };
    const both = [
      { nodeId: 'a', session: 1, applicationName: 'polecat:a' },
      { nodeId: 'b', session: 2, applicationName: 'polecat:b' },
    ];
    const first = buildClusterSnapshot({ ...base, at: 't1', sessions: both, locks: new Map([['1001', both[0]!]]) });
    const movedAlive = buildClusterSnapshot({ ...base, at: 't2', sessions: both, locks: new Map([['1001', both[1]!]]) });
    const movedDead = buildClusterSnapshot({ ...base, at: 't2', sessions: [both[1]!], locks: new Map([['1001', both[1]!]]) });
    expect(diffHolders(undefined, first)).toEqual([]);
    expect(diffHolders(first, movedDead)).toEqual([{ at: 't2', set: 'default/1001', shards: ['Trip:All'], from: 'a', to: 'b', cause: 'killed' }]);
    expect(diffHolders(first, movedAlive)).toEqual([{ at: 't2', set: 'default/1001', shards: ['Trip:All'], from: 'a', to: 'b', cause: 'lock lost' }]);
    expect(diffHolders(first, movedAlive, [{ session: 1, reason: 'balanced' }])[0]?.cause).toBe('balanced');
    expect(diffHolders(first, movedDead, [{ session: 1, reason: 'stopped' }])[0]?.cause).toBe('stopped');
    expect(diffHolders(movedAlive, movedAlive)).toEqual([]);
  });

  it('a lock lost whose node has no session left moments later was killed (its other sessions lingered)', () => {
    const base = { backend: 'postgres' as const, nodes: [node('a', '2026-01-01T00:00:00.000Z')], intents: [], locks: new Map() };
    const entry = { at: '2026-01-01T00:00:00.000Z', set: 'default/1001', shards: ['Trip:All'], from: 'a', to: 'b', cause: 'lock lost' as const };
    const aGone = (at: string) => buildClusterSnapshot({ ...base, at, sessions: [] });
    const aLive = buildClusterSnapshot({ ...base, at: '2026-01-01T00:00:01.000Z', sessions: [{ nodeId: 'a', session: 9, applicationName: 'polecat:a' }] });
    expect(reviseCauses([entry], aGone('2026-01-01T00:00:01.000Z'))[0]?.cause).toBe('killed');
    expect(reviseCauses([entry], aLive)[0]?.cause).toBe('lock lost');
    expect(reviseCauses([entry], aGone('2026-01-01T00:01:00.000Z'))[0]?.cause).toBe('lock lost'); // long after: a separate event
  });
});

describe('stranded locks in the snapshot', () => {
  it('lists every held lock whose holder is not a live node, naming the set it blocks', () => {
    const snapshot = buildClusterSnapshot({
      backend: 'postgres',
      at: '2026-01-01T00:01:00.000Z',
      nodes: [node('a', '2026-01-01T00:00:50.000Z')],
      locks: new Map([
        ['1001', { nodeId: 'a', session: 11, applicationName: 'polecat:a' }],
        ['1002', { session: 31324, applicationName: 'psql' }],
        ['77', { nodeId: 'gone', session: 40, applicationName: 'polecat:gone' }],
      ]),
      sessions: [{ nodeId: 'a', session: 11, applicationName: 'polecat:a' }],
      intents: [],
    });
    expect(snapshot.strandedLocks).toEqual([
      { key: '77', session: 40, applicationName: 'polecat:gone' },
      { key: '1002', set: 'default/1002', session: 31324, applicationName: 'psql' },
    ]);
  });
});
