import { InMemoryLockServer } from '@polecat/app-lock';
import { SingleTenantProjectionDistributor, shardName, type ShardName } from '@polecat/distributors';
import { OwnershipLedger } from '@polecat/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { CoordinatorSettingsInput } from '../src/coordinator-settings';
import { createFunctionDaemonFactory } from '../src/function-agent-daemon';
import { shareLimitPolicy } from '../src/ownership-policy';
import { ProjectionCoordinator } from '../src/projection-coordinator';
import { runBalancingScenario } from './support/balancing-scenario';
import type { InProcessNode } from './support/in-process-node';

/** An in-memory node over `shards` whose agents run until their signal aborts. */
function waitingNode(server: InMemoryLockServer, owner: string, shards: readonly ShardName[], settings: CoordinatorSettingsInput): ProjectionCoordinator {
  return new ProjectionCoordinator({
    mode: 'HotCold',
    distributor: new SingleTenantProjectionDistributor({ databases: [{ id: 'main' }], shards, createLock: () => server.createLock({ owner }) }),
    daemonFor: createFunctionDaemonFactory(
      () =>
        ({ signal }) =>
          new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())),
    ),
    settings,
  });
}

describe('even load on the in-memory lock (default fair-share policy)', () => {
  let nodes: InProcessNode[] = [];
  const coordinators: ProjectionCoordinator[] = [];
  afterEach(async () => {
    await Promise.all([...nodes.map((node) => node.stop()), ...coordinators.splice(0).map((c) => c.stop())]);
    nodes = [];
  });

  it('3 nodes started one after another over 24 shards: 8/8/8; one killed: 12/12; never two runners', async () => {
    const server = new InMemoryLockServer();
    const ledger = new OwnershipLedger();
    const { roundTripsPerCycle } = await runBalancingScenario({
      database: { id: 'main', url: 'memory://' },
      ledger,
      settings: { leadershipPollingTimeMs: 200, takeoverPollingTimeMs: 20 },
      timeoutMs: 15_000,
      createLock: (_database, node) => server.createLock({ owner: node, verifyIntervalMs: 0 }),
      killSession: async (node) => {
        expect(server.terminateSession(node.id)).toBeGreaterThanOrEqual(1); // its lock owner (and its member watcher)
      },
      track: (node) => nodes.push(node),
    });
    console.log(`[balancing:memory] steady-state lock round trips per cycle per node: ${roundTripsPerCycle.map((n) => n.toFixed(2)).join(', ')}`);
    for (const perCycle of roundTripsPerCycle) expect(perCycle).toBeLessThanOrEqual(2);
    expect(ledger.intervals().length).toBeGreaterThan(24); // hand-overs happened
  });

  it('4 shards on 3 nodes: 2/1/1 whatever the start order, and it stays so (no hand-over churn)', async () => {
    const server = new InMemoryLockServer();
    const shards = Array.from({ length: 4 }, (_, i) => shardName(`F${i}`));
    let handOvers = 0;
    const make = (owner: string) => {
      const coordinator = waitingNode(server, owner, shards, { leadershipPollingTimeMs: 30, takeoverPollingTimeMs: 15 });
      coordinators.push(coordinator);
      return coordinator;
    };
    const nodes = ['a', 'b', 'c'].map(make);
    for (const node of nodes) {
      await node.start();
      await node.whenOwned((status) => status.cycles >= 3, { timeoutMs: 5_000 });
    }
    const counts = () => nodes.map((node) => node.status().owned.length).sort();
    const settled = (status: { owned: readonly unknown[] }) => status.owned.length >= 1;
    await Promise.all(nodes.map((node) => node.whenOwned(settled, { timeoutMs: 15_000 })));
    await expect.poll(counts, { timeout: 15_000 }).toEqual([1, 1, 2]);
    for (const node of nodes) node.on('agentStopped', () => handOvers++);
    const cyclesBefore = nodes.map((node) => node.status().cycles);
    await Promise.all(nodes.map((node, i) => node.whenOwned((status) => status.cycles >= cyclesBefore[i]! + 20, { timeoutMs: 15_000 })));
    expect(counts()).toEqual([1, 1, 2]);
    expect(handOvers).toBe(0);
  });

  it('balance: false restores the original: the first node keeps everything', async () => {
    const server = new InMemoryLockServer();
    const shards = Array.from({ length: 6 }, (_, i) => shardName(`G${i}`));
    const make = (owner: string) => {
      const coordinator = waitingNode(server, owner, shards, { leadershipPollingTimeMs: 20, takeoverPollingTimeMs: 10, balance: false });
      coordinators.push(coordinator);
      return coordinator;
    };
    const first = make('first');
    await first.start();
    await first.whenOwned(6, { timeoutMs: 5_000 });
    const second = make('second');
    await second.start();
    await second.whenOwned((status) => status.cycles >= 10, { timeoutMs: 5_000 });
    expect(first.status().owned).toHaveLength(6);
    expect(second.status().owned).toHaveLength(0);
    expect(server.holderOf('polecat:member:single-tenant:dbo:4444:0')).toBeUndefined(); // no member slot taken
  });

  it('shareLimitPolicy attempts every candidate but keeps only its room (the surplus is released before any agent starts)', async () => {
    const server = new InMemoryLockServer();
    const shards = Array.from({ length: 5 }, (_, i) => shardName(`L${i}`));
    const started: string[] = [];
    const coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor: new SingleTenantProjectionDistributor({ databases: [{ id: 'main' }], shards, createLock: () => server.createLock({ owner: 'capped' }) }),
      daemonFor: createFunctionDaemonFactory(() => ({ signal, shard }) => {
        started.push(shard.identity);
        return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      }),
      settings: { leadershipPollingTimeMs: 20, takeoverPollingTimeMs: 10 },
      policy: shareLimitPolicy(() => 2),
    });
    coordinators.push(coordinator);
    await coordinator.start();
    await coordinator.whenOwned((status) => status.cycles >= 5 && status.owned.length === 2, { timeoutMs: 5_000 });
    expect(started).toHaveLength(2);
    const lockIds = coordinator.status().owned.map((set) => set.lockId);
    expect(lockIds.every((id) => server.holderOf(id) === 'capped')).toBe(true);
  });
});

describe('a hand-over held back by the settle window (in-memory lock, membership watched)', () => {
  it('happens when the window ends, not a slow poll later: a node joining just after the first took every set gets its share within the window', async () => {
    const server = new InMemoryLockServer();
    const shards = Array.from({ length: 8 }, (_, i) => shardName(`W${i}`));
    const settings = { leadershipPollingTimeMs: 60_000, takeoverPollingTimeMs: 20, takeoverGraceMs: 0 };
    const coordinators = ['first', 'second'].map((owner) => waitingNode(server, owner, shards, settings));
    const [first, second] = coordinators as [ProjectionCoordinator, ProjectionCoordinator];
    try {
      await first.start();
      await first.whenOwned(8, { timeoutMs: 5_000 });
      const joined = Date.now();
      await second.start();
      // settle window: max(1 000, 4 x 20 + 0) ms; the slow poll (60 s) must not be what ends it
      await second.whenOwned(4, { timeoutMs: 10_000 });
      expect(Date.now() - joined).toBeLessThan(5_000);
      expect(first.status().owned.length).toBe(4);
    } finally {
      await Promise.all(coordinators.map((coordinator) => coordinator.stop()));
    }
  });
});
