import { AppLockError, InMemoryLockServer, type AppLock, type InMemoryAppLock } from '@polecat/app-lock';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { afterEach, describe, expect, it } from 'vitest';
import { createFunctionDaemonFactory } from '../src/function-agent-daemon';
import { ProjectionCoordinator } from '../src/projection-coordinator';

const SHARDS = Array.from({ length: 8 }, (_, i) => shardName(`W${i}`));
const coordinators: ProjectionCoordinator[] = [];
const distributors: SingleTenantProjectionDistributor[] = [];
afterEach(async () => {
  await Promise.all(coordinators.splice(0).map((c) => c.stop()));
  await Promise.all(distributors.splice(0).map((d) => d.dispose()));
});

function distributor(
  server: InMemoryLockServer,
  owner: string,
  options: { watchMembers?: boolean; watcher?: () => AppLock } = {},
): SingleTenantProjectionDistributor {
  let created = 0;
  return new SingleTenantProjectionDistributor({
    databases: [{ id: 'main' }],
    shards: SHARDS,
    daemonLockId: 77,
    ...(options.watchMembers === undefined ? {} : { watchMembers: options.watchMembers }),
    createLock: () => {
      created += 1;
      if (created > 1 && options.watcher !== undefined) return options.watcher();
      return server.createLock({ owner: created === 1 ? owner : `${owner}-watcher`, verifyIntervalMs: 0 });
    },
  });
}

function coordinator(dist: SingleTenantProjectionDistributor, settings: Record<string, number | boolean>): ProjectionCoordinator {
  const c = new ProjectionCoordinator({
    mode: 'HotCold',
    distributor: dist,
    daemonFor: createFunctionDaemonFactory(
      () =>
        ({ signal }) =>
          new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
    ),
    settings,
  });
  coordinators.push(c);
  return c;
}

describe('member watchers wake the coordinator (in-memory lock server)', () => {
  it("a member's death wakes its successor at once: it takes the dead node's sets long before any poll", async () => {
    const server = new InMemoryLockServer();
    // the "old owner": a bare distributor holding its member slot and every set
    const old = distributor(server, 'old');
    distributors.push(old);
    const sets = await old.buildDistribution();
    await old.probeMembership(sets);
    expect((await old.tryAttainMany(sets)).size).toBe(SHARDS.length);

    const standby = coordinator(distributor(server, 'standby'), { leadershipPollingTimeMs: 600_000, takeoverPollingTimeMs: 600_000, takeoverGraceMs: 0 });
    const left: string[] = [];
    standby.on('memberLeft', ({ databaseId }) => left.push(databaseId));
    await standby.start();
    await standby.whenOwned((status) => status.cycles >= 1, { timeoutMs: 5_000 });
    expect(standby.status().owned).toHaveLength(0); // everything is held by the old owner
    await expect
      .poll(() => server.waitersFor(`polecat:member:single-tenant:dbo:77:${slotIndexOf(server, 'old')}`), { timeout: 5_000 })
      .toEqual(['standby-watcher']);
    const cyclesBefore = standby.status().cycles;

    server.terminateSession('old'); // its session dies: its slot and set locks are freed, nothing is announced
    // 10 minute polls: only the watcher can explain a takeover within the test's timeout
    await standby.whenOwned(SHARDS.length, { timeoutMs: 10_000 });
    expect(left).toEqual(['main']);
    expect(standby.status().cycles - cyclesBefore).toBeLessThanOrEqual(3);
  });

  it('at its fair share, a watched standby keeps the slow poll; unwatched (watchMembers: false) it keeps the takeover poll', async () => {
    for (const watchMembers of [true, false]) {
      const server = new InMemoryLockServer();
      const settings = { leadershipPollingTimeMs: 250, takeoverPollingTimeMs: 20, takeoverGraceMs: 0 };
      const nodes = ['a', 'b'].map((name) => coordinator(distributor(server, name, { watchMembers }), settings));
      const sleeps = nodes.map(() => [] as number[]);
      nodes.forEach((node, i) => node.on('cycle', ({ sleepMs }) => sleeps[i]!.push(sleepMs)));
      for (const node of nodes) await node.start();
      await expect.poll(() => nodes.map((node) => node.status().owned.length), { timeout: 10_000 }).toEqual([4, 4]);
      // a few settled cycles on each node
      const counts = sleeps.map((list) => list.length);
      await Promise.all(nodes.map((node, i) => node.whenOwned(() => sleeps[i]!.length >= counts[i]! + 2, { timeoutMs: 10_000 })));
      const settled = sleeps.map((list) => list.at(-1));
      expect(settled).toEqual(watchMembers ? [250, 250] : [20, 20]);
      await Promise.all(nodes.map((node) => node.stop()));
    }
  });

  it('a watcher that cannot wait leaves the takeover poll in place (fallback) and is logged, not fatal', async () => {
    const server = new InMemoryLockServer();
    const settings = { leadershipPollingTimeMs: 250, takeoverPollingTimeMs: 20, takeoverGraceMs: 0 };
    const broken = (): AppLock => {
      const lock = server.createLock({ owner: 'broken-watcher' }) as InMemoryAppLock & { waitForLock: AppLock['waitForLock'] };
      lock.waitForLock = () => Promise.reject(new AppLockError('CONNECTION_FAILED', 'refused'));
      return lock;
    };
    const a = coordinator(distributor(server, 'a', { watcher: broken }), settings);
    const b = coordinator(distributor(server, 'b', { watcher: broken }), settings);
    const sleeps: number[] = [];
    a.on('cycle', ({ sleepMs }) => sleeps.push(sleepMs));
    await a.start();
    await b.start();
    await expect.poll(() => [a.status().owned.length, b.status().owned.length], { timeout: 10_000 }).toEqual([4, 4]);
    const count = sleeps.length;
    await a.whenOwned(() => sleeps.length >= count + 2, { timeoutMs: 10_000 });
    expect(sleeps.at(-1)).toBe(20);
  });
});

describe('contention inside one cycle', () => {
  it('sets lost to a rival attempting at the same instant are replaced at once, in the SAME cycle (one grace, no extra cycle)', async () => {
    const server = new InMemoryLockServer();
    const rival = distributor(server, 'rival');
    distributors.push(rival);
    const rivalSets = await rival.buildDistribution();
    await rival.probeMembership(rivalSets); // a member holding nothing: share 4 each
    const real = distributor(server, 'node', { watchMembers: false });
    let calls = 0;
    const contended = new Proxy(real, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (property === 'tryAttainMany') {
          return async (sets: readonly { key: string; lockId: number }[], options?: unknown) => {
            calls += 1;
            // the rival wins half of the first attempt, just before it reaches the server
            if (calls === 1) await rival.tryAttainMany(rivalSets.filter((set) => sets.slice(0, 2).some((s) => s.key === set.key)));
            return target.tryAttainMany(sets as never, options as never);
          };
        }
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const node = coordinator(contended, { leadershipPollingTimeMs: 600_000, takeoverPollingTimeMs: 600_000, takeoverGraceMs: 0 });
    const cycles: { attempted: number; granted: number }[] = [];
    node.on('cycle', ({ attempted, granted }) => cycles.push({ attempted, granted }));
    await node.start();
    await node.whenOwned(4, { timeoutMs: 5_000 });
    expect(cycles[0]).toEqual({ attempted: 6, granted: 4 }); // 4 attempted, 2 lost, 2 more attempted at once
    expect(calls).toBe(2);
  });
});

/** The member-slot index `owner` holds (scanning the default 64 slots). */
function slotIndexOf(server: InMemoryLockServer, owner: string): number {
  for (let index = 0; index < 64; index++) if (server.holderOf(`polecat:member:single-tenant:dbo:77:${index}`) === owner) return index;
  throw new Error(`${owner} holds no member slot`);
}
