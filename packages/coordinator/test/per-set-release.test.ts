import { InMemoryLockServer, type AppLock } from '@polecat/app-lock';
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
  lock.releaseAll = (options) => {
    if (counts.counting) counts.releaseAll++;
    return releaseAll(options);
  };
  return lock;
}

/** One node over `shards`; each agent returns `returnAfterMs(shard)` after its abort, recording when. */
function node(shards: readonly string[], returnAfterMs: (identity: string) => number) {
  const server = new InMemoryLockServer();
  const counts: ReleaseCounts = { counting: false, sets: new Set(), releaseLock: 0, releaseAll: 0 };
  const returnedAt = new Map<string, number>();
  const releasedAt = new Map<string, number>();
  const agent = async ({ signal, shard }: AgentContext): Promise<void> => {
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await sleep(returnAfterMs(shard.identity));
    returnedAt.set(shard.identity, performance.now());
  };
  const coordinator = new ProjectionCoordinator({
    mode: 'HotCold',
    distributor: new SingleTenantProjectionDistributor({
      databases: [{ id: 'main' }],
      shards: shards.map((name) => shardName(name)),
      createLock: () => countingLock(server.createLock({ owner: 'n1' }), counts),
    }),
    daemonFor: createFunctionDaemonFactory(() => agent),
    settings: { leadershipPollingTimeMs: 50, takeoverPollingTimeMs: 25, takeoverGraceMs: 0, stopDrainTimeoutMs: 3000 },
  });
  coordinator.on('lockReleased', ({ set }) => releasedAt.set(set.names[0]!.identity, performance.now()));
  coordinators.push(coordinator);
  return { coordinator, counts, returnedAt, releasedAt };
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
});
