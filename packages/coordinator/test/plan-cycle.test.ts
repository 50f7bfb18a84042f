import type { ProjectionSet, ShardName } from '@polecat/distributors';
import { describe, expect, it } from 'vitest';
import type { BackoffEntry } from '../src/internal/ownership/backoff';
import { DEFAULT_COORDINATOR_SETTINGS } from '../src/coordinator-settings';
import { shareLimitPolicy } from '../src/ownership-policy';
import { planCycle, type CycleInput } from '../src/internal/loop/plan-cycle';
import type { AgentState } from '../src/projection-daemon';
import { setsOf, shard } from './fakes/fixtures';

const NOW = 100_000;

function input(overrides: Partial<CycleInput> & { held?: readonly ProjectionSet[]; states?: Record<string, AgentState> }): CycleInput {
  const held = new Set((overrides.held ?? []).map((set) => set.key));
  const states = overrides.states ?? {};
  return {
    distribution: [],
    isHeld: (set) => held.has(set.key),
    tracked: overrides.held ?? [],
    agentState: (_set, s: ShardName) => states[s.identity],
    backoff: new Map(),
    now: NOW,
    settings: DEFAULT_COORDINATOR_SETTINGS,
    ...overrides,
  };
}

const running = (name: string): AgentState => ({ shard: shard(name), status: 'Running' });
const keys = (sets: readonly { key: string }[]) => sets.map((set) => set.key);

describe('planCycle', () => {
  const [a, b, c] = setsOf(['A', 'B', 'C']) as [ProjectionSet, ProjectionSet, ProjectionSet];

  it('attempts every set not held, in one list, and starts nothing else', () => {
    const plan = planCycle(input({ distribution: [a, b, c], tracked: [] }));
    expect(keys(plan.attempt)).toEqual(keys([a, b, c]));
    expect(plan.start).toEqual([]);
    expect(plan.stop).toEqual([]);
  });

  it('starts missing agents of held sets; leaves running ones alone', () => {
    const plan = planCycle(input({ distribution: [a, b], held: [a, b], states: { 'A:All': running('A') } }));
    expect(plan.start).toEqual([{ set: b, shard: b.names[0], kind: 'start' }]);
    expect(plan.attempt).toEqual([]);
    expect(keys(plan.owned)).toEqual(keys([a, b]));
  });

  it('acquires held sets it does not track yet (e.g. Solo, or after a pause that kept locks)', () => {
    const plan = planCycle(input({ distribution: [a], held: [a], tracked: [] }));
    expect(keys(plan.acquire)).toEqual([a.key]);
    expect(plan.start).toHaveLength(1);
  });

  it('restarts a paused agent only once paused longer than healthCheckPollingTimeMs', () => {
    const paused = (at: number): AgentState => ({ shard: shard('A'), status: 'Paused', pausedAt: at });
    const early = planCycle(input({ distribution: [a], held: [a], states: { 'A:All': paused(NOW - 5000) } }));
    expect(early.start).toEqual([]);
    const late = planCycle(input({ distribution: [a], held: [a], states: { 'A:All': paused(NOW - 5001) } }));
    expect(late.start).toEqual([{ set: a, shard: a.names[0], kind: 'restart-paused' }]);
  });

  it('hands a set over at once when a paused agent failed with a stale fencing epoch (no restart with it)', () => {
    const stale = Object.assign(new Error('stale'), { code: 'STALE_EPOCH' });
    const isStaleEpoch = (error: unknown): boolean => (error as { code?: string } | undefined)?.code === 'STALE_EPOCH';
    const set = { ...a, names: [shard('A'), shard('B')] };
    const states = { 'A:All': running('A'), 'B:All': { shard: shard('B'), status: 'Paused', pausedAt: NOW, error: stale } as AgentState };
    const plan = planCycle(input({ distribution: [set], held: [set], states, isStaleEpoch }));
    expect(plan.handOver).toEqual([{ set, reason: 'stale-epoch' }]);
    expect(plan.start).toEqual([]);
    expect(plan.owned).toEqual([]);
    // any other failure: the usual restart after healthCheckPollingTimeMs, same epoch
    const other = { 'A:All': { shard: shard('A'), status: 'Paused', pausedAt: NOW - 6000, error: new Error('boom') } as AgentState };
    const restart = planCycle(input({ distribution: [a], held: [a], states: other, isStaleEpoch }));
    expect(restart.handOver).toEqual([]);
    expect(restart.start).toEqual([{ set: a, shard: a.names[0], kind: 'restart-paused' }]);
    // without an isStale hook, a stale failure is just a failure
    const without = planCycle(input({ distribution: [a], held: [a], states: { 'A:All': { ...states['B:All'], shard: shard('A') } } }));
    expect(without.handOver).toEqual([]);
  });

  it('restarts a stopped agent, or hands its set over when restartStoppedAgents is false', () => {
    const states = { 'A:All': { shard: shard('A'), status: 'Stopped' } as AgentState };
    expect(planCycle(input({ distribution: [a], held: [a], states })).start).toEqual([{ set: a, shard: a.names[0], kind: 'restart-stopped' }]);
    const plan = planCycle(input({ distribution: [a], held: [a], states, settings: { ...DEFAULT_COORDINATOR_SETTINGS, restartStoppedAgents: false } }));
    expect(plan.start).toEqual([]);
    expect(plan.handOver).toEqual([{ set: a, reason: 'agent-stopped' }]);
    expect(plan.owned).toEqual([]);
  });

  it('hands over the whole multi-shard set when one of its agents stopped (no partial starts)', () => {
    const set = { ...a, names: [shard('A'), shard('B')] };
    const states = { 'A:All': { shard: shard('A'), status: 'Stopped' } as AgentState };
    const plan = planCycle(input({ distribution: [set], held: [set], states, settings: { ...DEFAULT_COORDINATOR_SETTINGS, restartStoppedAgents: false } }));
    expect(plan.start).toEqual([]);
    expect(plan.handOver).toHaveLength(1);
  });

  it('stops agents of a tracked set no longer held, and still attempts it', () => {
    const plan = planCycle(input({ distribution: [a], tracked: [a], isHeld: () => false }));
    expect(plan.stop).toEqual([{ set: a, reason: 'not-held' }]);
    expect(keys(plan.attempt)).toEqual([a.key]);
  });

  it("judges a tracked set by this cycle's version of it (same key, rebuilt object; the last one when a key repeats)", () => {
    const rebuilt: ProjectionSet = { ...a };
    const plan = planCycle(input({ distribution: [b, rebuilt], tracked: [a], isHeld: () => false }));
    expect(plan.stop).toHaveLength(1);
    expect(plan.stop[0]?.set).toBe(rebuilt);
    const again: ProjectionSet = { ...a };
    const repeated = planCycle(input({ distribution: [rebuilt, b, again], tracked: [a], isHeld: () => false }));
    expect(repeated.stop[0]?.set).toBe(again);
    const untracked = planCycle(input({ distribution: [rebuilt, b], tracked: [], isHeld: () => false }));
    expect(untracked.stop).toEqual([]);
  });

  it('a tracked set that vanished is released if held, only stopped otherwise', () => {
    const held = planCycle(input({ distribution: [], held: [a] }));
    expect(held.handOver).toEqual([{ set: a, reason: 'vanished' }]);
    const notHeld = planCycle(input({ distribution: [], tracked: [a] }));
    expect(notHeld.stop).toEqual([{ set: a, reason: 'vanished' }]);
  });

  it('skips sets backing off: no attempt, no start', () => {
    const backoff = new Map<string, BackoffEntry>([
      [a.key, { failures: 1, nextAttemptAt: NOW + 700 }],
      [b.key, { failures: 3, nextAttemptAt: NOW + 4000 }],
      [c.key, { failures: 1, nextAttemptAt: NOW - 1 }],
    ]);
    const plan = planCycle(input({ distribution: [a, b, c], held: [b], tracked: [b], backoff }));
    expect(keys(plan.attempt)).toEqual([c.key]);
    expect(plan.start).toEqual([]);
    expect(keys(plan.owned)).toEqual([b.key]);
  });

  it('lets a policy limit attempts and hand over extras', () => {
    const plan = planCycle(
      input({ distribution: [a, b, c], held: [a, b], states: { 'A:All': running('A'), 'B:All': running('B') }, policy: shareLimitPolicy(() => 1) }),
    );
    expect(plan.attempt).toEqual([]);
    expect(plan.handOver).toEqual([{ set: b, reason: 'balance' }]);
    expect(keys(plan.owned)).toEqual([a.key]);
    const room = planCycle(input({ distribution: [a, b, c], held: [a], states: { 'A:All': running('A') }, policy: shareLimitPolicy(() => 2) }));
    // every candidate is attempted (one round trip either way: a held one must not hide a free one); one grant is kept
    expect(keys(room.attempt)).toEqual([b.key, c.key]);
    expect(room.keepAtMost).toBe(1);
    expect(room.pollSoon).toBe(false);
  });

  it('ignores policy answers outside its candidates and owned sets', () => {
    const rogue = { select: () => ({ attempt: [a], handOver: [c] }) };
    const plan = planCycle(input({ distribution: [a, b, c], held: [a], states: { 'A:All': running('A') }, policy: rogue }));
    expect(plan.attempt).toEqual([]);
    expect(plan.handOver).toEqual([]);
  });
});
