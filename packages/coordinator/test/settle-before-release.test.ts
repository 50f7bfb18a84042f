import type { ProjectionSet } from '@polecat/distributors';
import { waitUntil } from '@polecat/test-utils';
import { cleanupAfterEach } from '@polecat/test-utils/vitest';
import { describe, expect, it } from 'vitest';
import type { CoordinatorEvents } from '../src/coordinator-events';
import { DEFAULT_COORDINATOR_SETTINGS, type CoordinatorSettingsInput } from '../src/coordinator-settings';
import type { EpochSource } from '../src/epoch-source';
import { FunctionAgentDaemon, type AgentContext } from '../src/function-agent-daemon';
import type { OwnershipPolicy } from '../src/ownership-policy';
import { settleWindowMs } from '../src/internal/loop/settle-window';
import { ProjectionCoordinator } from '../src/projection-coordinator';
import { FakeDistributor } from './fakes/fake-distributor';
import { ManualClock, mainDb, recordingLogger, setsOf, shard } from './fakes/fixtures';

// A set's lock is released only after every agent of the set has returned.
// Agents here finish their "batch" only when the test lets them (long after their signal aborted,
// beyond stopDrainTimeoutMs); the shared log orders agent returns and lock releases.

const cleanup = cleanupAfterEach();

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** A policy that hands every owned set over while `handOver` is true (and attempts only when not). */
function switchablePolicy() {
  const state = { handOver: false };
  const policy: OwnershipPolicy = {
    select: ({ owned, candidates }) => (state.handOver ? { attempt: [], handOver: owned } : { attempt: candidates }),
  };
  return { state, policy };
}

function setup(
  sets: ProjectionSet[],
  options: {
    settings?: CoordinatorSettingsInput;
    policy?: OwnershipPolicy;
    failStart?: (identity: string) => boolean;
    epochs?: EpochSource;
    agentFor?: (identity: string) => ((context: AgentContext) => Promise<void>) | undefined;
  } = {},
) {
  const log: string[] = [];
  const distributor = new FakeDistributor(sets, { log });
  const clock = new ManualClock();
  const logger = recordingLogger();
  /** identity -> releases the agent's current run (it returns) */
  const finish = new Map<string, () => void>();
  const running = new Map<string, number>();
  let overlaps = 0;
  const agent = ({ signal, shard: name }: AgentContext): Promise<void> => {
    const now = (running.get(name.identity) ?? 0) + 1;
    running.set(name.identity, now);
    if (now > 1) overlaps += 1;
    log.push(`agent.start(${name.identity})`);
    return new Promise<void>((resolve) => {
      finish.set(name.identity, () => {
        running.set(name.identity, (running.get(name.identity) ?? 1) - 1);
        log.push(`agent.return(${name.identity})`);
        resolve();
      });
      void signal; // ignores its signal until the batch is done
    });
  };
  const daemons: FunctionAgentDaemon[] = [];
  const coordinator = new ProjectionCoordinator({
    mode: 'HotCold',
    distributor,
    daemonFor: (database) => {
      const daemon = new FunctionAgentDaemon({
        database,
        agents: (name) => (options.failStart?.(name.identity) === true ? undefined : (options.agentFor?.(name.identity) ?? agent)),
        drainTimeoutMs: 30,
        clock,
      });
      daemons.push(daemon);
      return daemon;
    },
    clock,
    logger,
    settings: { leadershipPollingTimeMs: 3_600_000, agentPauseTimeMs: 3_600_000, takeoverGraceMs: 0, stopDrainTimeoutMs: 60, ...options.settings },
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
  });
  const events: { name: keyof CoordinatorEvents; payload: unknown }[] = [];
  for (const name of ['lockReleased', 'agentStopped', 'drainOverrun', 'lockLost'] as const) coordinator.on(name, (payload) => events.push({ name, payload }));
  cleanup(async () => {
    for (const release of finish.values()) release();
    await coordinator.dispose();
  });
  const cycle = (): Promise<void> =>
    new Promise((resolve) => {
      const off = coordinator.on('cycle', () => {
        off();
        resolve();
      });
      coordinator.wake();
    });
  const returnAgent = (identity: string): void => {
    const release = finish.get(identity);
    if (release === undefined) throw new Error(`${identity} is not running`);
    finish.delete(identity);
    release();
  };
  const index = (line: string): number => log.indexOf(line);
  return { coordinator, distributor, log, logger, events, cycle, returnAgent, index, overlaps: () => overlaps, daemons, clock };
}

describe('ownership ends only when the agents have settled', () => {
  it('hand-over (balancing): the lock stays held past stopDrainTimeoutMs and is released right after the agent returned', async () => {
    const sets = setsOf(['A']);
    const { state, policy } = switchablePolicy();
    const h = setup(sets, { policy });
    await h.coordinator.start();
    await h.coordinator.whenOwned(1, { timeoutMs: 2000 });
    h.clock.advance(settleWindowMs(DEFAULT_COORDINATOR_SETTINGS)); // a set just taken is not moved on (settle window)
    state.handOver = true;
    await h.cycle(); // hands over: aborts A, waits at most stopDrainTimeoutMs (60 ms)
    await tick(150); // well past the drain timeout
    expect(h.distributor.held.has(sets[0]!.key)).toBe(true);
    expect(h.distributor.calls.filter((call) => call.startsWith('release'))).toEqual([]);
    await waitUntil(() => h.events.some((e) => e.name === 'drainOverrun'), 'drainOverrun');
    const draining = h.coordinator.status().draining;
    expect(draining).toHaveLength(1);
    expect(draining[0]).toMatchObject({ key: sets[0]!.key, reason: 'balance', shards: ['A:All'], lockHeld: true, overrun: true });
    expect(typeof draining[0]!.since).toBe('number');
    const overrun = h.events.find((e) => e.name === 'drainOverrun')!.payload as CoordinatorEvents['drainOverrun'];
    expect(overrun).toMatchObject({ reason: 'balance', lockHeld: true });
    expect(overrun.shards.map((s) => s.identity)).toEqual(['A:All']);
    expect(h.logger.lines.filter((l) => l.level === 'warn' && l.message.includes('still running'))).toHaveLength(1); // once per interval
    h.returnAgent('A:All');
    await waitUntil(() => h.distributor.calls.includes(`release(${sets[0]!.key})`), 'the release');
    expect(h.index(`distributor.release(${sets[0]!.key})`)).toBeGreaterThan(h.index('agent.return(A:All)'));
    expect(h.coordinator.status().draining).toEqual([]);
    expect(h.events.map((e) => e.name)).toEqual(['drainOverrun', 'agentStopped', 'lockReleased']);
  });

  it('stop(): drains BEFORE releasing anything; at the deadline it names the running agents and keeps their locks until they return', async () => {
    const sets = setsOf(['A', 'B']);
    const h = setup(sets);
    await h.coordinator.start();
    await h.coordinator.whenOwned(2, { timeoutMs: 2000 });
    const stopping = h.coordinator.stop();
    await tick(10);
    h.returnAgent('B:All'); // B returns in time, A does not
    const startedAt = Date.now();
    const result = await stopping;
    expect(Date.now() - startedAt).toBeLessThan(1000); // ONE drain timeout (60 ms), not two
    expect(result.drained).toBe(false);
    expect(result.draining.map((d) => [d.key, d.shards, d.lockHeld])).toEqual([[sets[0]!.key, ['A:All'], true]]);
    expect(h.coordinator.state).toBe('stopped');
    // B released (its agent returned), A still held, nothing disposed
    expect(h.distributor.held.has(sets[1]!.key)).toBe(false);
    expect(h.distributor.held.has(sets[0]!.key)).toBe(true);
    expect(h.distributor.calls).not.toContain('releaseAll');
    expect(h.distributor.disposed).toBe(false);
    expect(h.index(`distributor.release(${sets[1]!.key})`)).toBeGreaterThan(h.index('agent.return(B:All)'));
    expect(await h.coordinator.stop()).toBe(result); // idempotent
    h.returnAgent('A:All');
    expect(JSON.parse(JSON.stringify(result))).toMatchObject({ drained: false, draining: [{ key: sets[0]!.key, shards: ['A:All'] }] });
    await h.coordinator.whenSettled();
    expect(h.index(`distributor.release(${sets[0]!.key})`)).toBeGreaterThan(h.index('agent.return(A:All)'));
    expect(h.distributor.disposed).toBe(true);
    expect(h.coordinator.status().draining).toEqual([]);
  });

  it('stop() with agents that return in time releases everything in one releaseAll and reports drained', async () => {
    const sets = setsOf(['A', 'B']);
    const h = setup(sets);
    await h.coordinator.start();
    await h.coordinator.whenOwned(2, { timeoutMs: 2000 });
    const stopping = h.coordinator.stop();
    await tick(5);
    h.returnAgent('A:All');
    h.returnAgent('B:All');
    const result = await stopping;
    expect(result).toMatchObject({ drained: true, draining: [] });
    expect(h.distributor.count('releaseAll')).toBe(1);
    expect(h.distributor.calls.filter((call) => call.startsWith('release('))).toEqual([]); // no per-set release
    expect(h.index('distributor.releaseAll')).toBeGreaterThan(h.index('agent.return(B:All)'));
    expect(h.distributor.disposed).toBe(true);
  });

  it('pause(): a set whose agent overruns keeps its lock until it returned', async () => {
    const sets = setsOf(['A']);
    const h = setup(sets);
    await h.coordinator.start();
    await h.coordinator.whenOwned(1, { timeoutMs: 2000 });
    await h.coordinator.pause(); // resolves after the drain timeout
    expect(h.distributor.held.has(sets[0]!.key)).toBe(true);
    expect(h.coordinator.status().draining.map((d) => d.reason)).toEqual(['pause']);
    h.returnAgent('A:All');
    await waitUntil(() => !h.distributor.held.has(sets[0]!.key), 'the release');
    expect(h.index(`distributor.release(${sets[0]!.key})`)).toBeGreaterThan(h.index('agent.return(A:All)'));
  });

  it('lock lost: the node does not start the shard again until the old run returned, then does', async () => {
    const sets = setsOf(['A']);
    const h = setup(sets);
    await h.coordinator.start();
    await h.coordinator.whenOwned(1, { timeoutMs: 2000 });
    h.distributor.lose(sets[0]!); // the server freed it; it is grantable again at once
    await tick(150);
    await h.cycle();
    expect(h.log.filter((line) => line === 'agent.start(A:All)')).toHaveLength(1);
    expect(h.distributor.calls.filter((call) => call.startsWith('tryAttainMany'))).toHaveLength(1); // not attempted while draining
    expect(h.coordinator.status().draining).toMatchObject([{ key: sets[0]!.key, reason: 'lock-lost', lockHeld: false }]);
    h.returnAgent('A:All');
    await waitUntil(() => h.log.filter((line) => line === 'agent.start(A:All)').length === 2, 'the restart');
    expect(h.index('agent.return(A:All)')).toBeLessThan(h.log.lastIndexOf('agent.start(A:All)'));
    expect(h.overlaps()).toBe(0);
  });

  it('start failure with releaseOnStartFailure: the started agent of the set returns before the lock goes', async () => {
    const database = mainDb;
    const set: ProjectionSet = { key: 'main/7', lockId: 7, database, names: [shard('A'), shard('B')] };
    const h = setup([set], { settings: { releaseOnStartFailure: true }, failStart: (identity) => identity === 'B:All' });
    await h.coordinator.start();
    await waitUntil(() => h.events.some((e) => e.name === 'drainOverrun'), 'the drain overrun of A');
    // B could not start (UNKNOWN_AGENT): the set is released, but not while A still runs
    expect(h.log).toEqual(['distributor.randomWait', 'distributor.buildDistribution', `distributor.tryAttainMany(${set.key})`, 'agent.start(A:All)']);
    expect(h.distributor.held.has(set.key)).toBe(true);
    h.returnAgent('A:All');
    await waitUntil(() => !h.distributor.held.has(set.key), 'the release');
    expect(h.index(`distributor.release(${set.key})`)).toBeGreaterThan(h.index('agent.return(A:All)'));
  });
});

describe('stale-epoch hand-over', () => {
  it('an agent refused with a stale epoch hands the set over, but the lock goes only after the set’s other agent returned', async () => {
    class StaleEpoch extends Error {}
    let epoch = 0n;
    const epochs: EpochSource = { nextEpoch: async () => ++epoch, isStale: (error) => error instanceof StaleEpoch };
    const set: ProjectionSet = { key: 'main/9', lockId: 9, database: mainDb, names: [shard('A'), shard('B')] };
    const h = setup([set], {
      epochs,
      // B is refused with a stale epoch right after it starts; A finishes its batch only when let go
      agentFor: (identity) => (identity === 'B:All' ? async () => Promise.reject(new StaleEpoch('newer epoch exists')) : undefined),
    });
    await h.coordinator.start();
    await waitUntil(() => h.log.includes('agent.start(A:All)'), 'A started');
    await tick(300); // B refused, the set handed over, far beyond stopDrainTimeoutMs (60 ms)
    expect(h.distributor.held.has(set.key)).toBe(true);
    await waitUntil(() => h.events.some((e) => e.name === 'drainOverrun'), 'the hand-over draining A');
    expect((h.events.find((e) => e.name === 'drainOverrun')!.payload as CoordinatorEvents['drainOverrun']).reason).toBe('stale-epoch');
    h.returnAgent('A:All');
    await waitUntil(() => !h.distributor.held.has(set.key), 'the release');
    expect(h.index(`distributor.release(${set.key})`)).toBeGreaterThan(h.index('agent.return(A:All)'));
  });
});

describe('pause / resume / stop are serialised', () => {
  it('resume() during an unfinished pause() leaves the node running AND owning its sets', async () => {
    const sets = setsOf(['A']);
    const h = setup(sets, { settings: { stopDrainTimeoutMs: 200 } });
    await h.coordinator.start();
    await h.coordinator.whenOwned(1, { timeoutMs: 2000 });
    const pausing = h.coordinator.pause();
    await tick(10);
    const resuming = h.coordinator.resume(); // the pause is still draining A
    await tick(10);
    h.returnAgent('A:All');
    await Promise.all([pausing, resuming]);
    expect(h.coordinator.state).toBe('running');
    await h.coordinator.whenOwned(1, { timeoutMs: 2000 });
    await h.cycle();
    await h.cycle();
    expect(h.coordinator.status().owned.map((set) => set.key)).toEqual([sets[0]!.key]);
    expect(h.distributor.held.has(sets[0]!.key)).toBe(true);
    expect(h.log.filter((line) => line === 'agent.start(A:All)')).toHaveLength(2);
    expect(h.overlaps()).toBe(0);
  });

  it('stop() during an unfinished pause() waits for it and then stops', async () => {
    const sets = setsOf(['A']);
    const h = setup(sets, { settings: { stopDrainTimeoutMs: 200 } });
    await h.coordinator.start();
    await h.coordinator.whenOwned(1, { timeoutMs: 2000 });
    const pausing = h.coordinator.pause();
    const stopping = h.coordinator.stop();
    h.returnAgent('A:All');
    await pausing;
    const result = await stopping;
    expect(result.drained).toBe(true);
    expect(h.coordinator.state).toBe('stopped');
    expect(h.distributor.disposed).toBe(true);
  });
});
