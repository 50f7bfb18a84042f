import { InMemoryLockServer, type AppLock, type Logger } from '@polecat/app-lock';
import { recordingLogger } from '@polecat/test-utils';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { afterEach, describe, expect, it } from 'vitest';
import { createFunctionDaemonFactory, type AgentContext } from '../src/function-agent-daemon';
import { ProjectionCoordinator } from '../src/projection-coordinator';

const coordinators: ProjectionCoordinator[] = [];
afterEach(async () => {
  await Promise.all(coordinators.splice(0).map((c) => c.stop()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ReleaseCounts {
  counting: boolean;
  /** Lock ids of the sets (a member slot's release is not counted). */
  sets: ReadonlySet<number>;
  releaseLock: number;
  /** `releaseLocks` calls naming at least one set lock (each is one round trip for a batch this small). */
  releaseLocks: number;
  /** `releaseAll` calls made while a set lock was held. */
  releaseAll: number;
}

/** Counts the release calls of set locks a lock receives once `counting` is set. */
function countingLock(lock: AppLock, counts: ReleaseCounts): AppLock {
  const releaseLock = lock.releaseLock.bind(lock);
  const releaseAll = lock.releaseAll.bind(lock);
  lock.releaseLock = (id, options) => {
    if (counts.counting && counts.sets.has(Number(id))) counts.releaseLock++;
    return releaseLock(id, options);
  };
  const releaseLocks = lock.releaseLocks?.bind(lock);
  if (releaseLocks !== undefined)
    lock.releaseLocks = (ids, options) => {
      if (counts.counting && ids.some((id) => counts.sets.has(Number(id)))) counts.releaseLocks++;
      return releaseLocks(ids, options);
    };
  lock.releaseAll = (options) => {
    // a releaseAll once every set went holds no set lock: it releases nothing of theirs
    if (counts.counting && lock.heldLocks().some((id) => counts.sets.has(Number(id)))) counts.releaseAll++;
    return releaseAll(options);
  };
  return lock;
}

/** One node over `shards`; each agent returns `returnAfterMs(shard)` after its abort, recording when. */
function node(shards: readonly string[], returnAfterMs: (identity: string) => number, logger?: Logger) {
  const server = new InMemoryLockServer();
  const counts: ReleaseCounts = { counting: false, sets: new Set(), releaseLock: 0, releaseLocks: 0, releaseAll: 0 };
  const returnedAt = new Map<string, number>();
  const releasedAt = new Map<string, number>();
  // Agents with the same delay return on ONE timer (a wave): on a loaded machine two timers of the
  // same length can fire in different turns, which would split a wave into two release batches.
  const waves = new Map<number, Promise<unknown>>();
  const agent = async ({ signal, shard }: AgentContext): Promise<void> => {
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    const delay = returnAfterMs(shard.identity);
    let wave = waves.get(delay);
    if (wave === undefined) waves.set(delay, (wave = sleep(delay).finally(() => waves.delete(delay))));
    await wave;
    returnedAt.set(shard.identity, performance.now());
  };
  const distributor = new SingleTenantProjectionDistributor({
    databases: [{ id: 'main' }],
    shards: shards.map((name) => shardName(name)),
    createLock: () => countingLock(server.createLock({ owner: 'n1' }), counts),
  });
  const coordinator = new ProjectionCoordinator({
    mode: 'HotCold',
    distributor,
    daemonFor: createFunctionDaemonFactory(() => agent),
    settings: { leadershipPollingTimeMs: 50, takeoverPollingTimeMs: 25, takeoverGraceMs: 0, stopDrainTimeoutMs: 3000 },
    ...(logger === undefined ? {} : { logger }),
  });
  coordinator.on('lockReleased', ({ set }) => releasedAt.set(set.names[0]!.identity, performance.now()));
  coordinators.push(coordinator);
  return { coordinator, counts, returnedAt, releasedAt, distributor };
}

describe('per-set release on stop (issue 22, item 1)', () => {
  it('releases each set the moment its own agents returned, not when the slowest agent of the node returned', async () => {
    const { coordinator, returnedAt, releasedAt } = node(['Fast1', 'Fast2', 'Slow'], (identity) => (identity.startsWith('Slow') ? 1500 : 50));
    await coordinator.start();
    await coordinator.whenOwned((status) => status.owned.length === 3, { timeoutMs: 10_000 });
    await sleep(100); // agents running
    const stopped = coordinator.stop();
    await sleep(400); // the fast agents have returned by now, the slow one has not
    expect([...releasedAt.keys()].sort()).toEqual(['Fast1:All', 'Fast2:All']);
    await stopped;
    for (const identity of ['Fast1:All', 'Fast2:All', 'Slow:All']) {
      const lag = releasedAt.get(identity)! - returnedAt.get(identity)!;
      expect(lag, identity).toBeGreaterThanOrEqual(0); // never before its own agent returned
      expect(lag, identity).toBeLessThan(150);
    }
  });

  it('still releases everything in ONE releaseAll when every agent returns at once', async () => {
    const { coordinator, counts } = node(['A', 'B', 'C', 'D'], () => 0);
    await coordinator.start();
    await coordinator.whenOwned((status) => status.owned.length === 4, { timeoutMs: 10_000 });
    await sleep(100);
    counts.sets = new Set(coordinator.status().owned.map((set) => set.lockId));
    counts.counting = true;
    await coordinator.stop();
    expect({ releaseLock: counts.releaseLock, releaseAll: counts.releaseAll }).toEqual({ releaseLock: 0, releaseAll: 1 });
  });

  it('releases a stop of N sets whose agents return in two waves in 2 release round trips, not N', async () => {
    const shards = ['Fast1', 'Fast2', 'Fast3', 'Slow1', 'Slow2', 'Slow3'];
    const { coordinator, counts, releasedAt } = node(shards, (identity) => (identity.startsWith('Slow') ? 600 : 50));
    await coordinator.start();
    await coordinator.whenOwned((status) => status.owned.length === shards.length, { timeoutMs: 10_000 });
    await sleep(100);
    counts.sets = new Set(coordinator.status().owned.map((set) => set.lockId));
    counts.counting = true;
    const stopped = coordinator.stop();
    await sleep(350); // the first wave has returned and been released, the second has not
    expect([...releasedAt.keys()].sort()).toEqual(['Fast1:All', 'Fast2:All', 'Fast3:All']);
    await stopped;
    expect([...releasedAt.keys()].sort()).toEqual(shards.map((name) => `${name}:All`).sort());
    // one round trip per wave (N = 6 releaseLock round trips before releaseSets)
    expect(counts.releaseLock + counts.releaseLocks + counts.releaseAll).toBe(2);
  });

  it('a failed batch release logs once, is reported, and every set of it still settles', async () => {
    const logger = recordingLogger();
    const shards = ['Fast1', 'Fast2', 'Slow1', 'Slow2'];
    const { coordinator, distributor, releasedAt } = node(shards, (identity) => (identity.startsWith('Slow') ? 400 : 50), logger);
    const failure = new Error('release round trip failed');
    let batches = 0;
    distributor.releaseSets = () => {
      batches++;
      return Promise.reject(failure);
    };
    await coordinator.start();
    await coordinator.whenOwned((status) => status.owned.length === shards.length, { timeoutMs: 10_000 });
    await sleep(100);
    await coordinator.stop(); // resolves: each set's release waiter resolved despite the failure
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(logger.messages('warn').filter((message) => message === 'releasing sets failed')).toHaveLength(batches);
    expect(coordinator.status().lastError).toBe(failure);
    expect([...releasedAt.keys()].filter((key) => key.startsWith('Fast'))).toEqual([]); // no lockReleased for a failed batch
  });
});
