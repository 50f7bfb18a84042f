import { InMemoryLockServer } from '@polecat/app-lock';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { afterEach, describe, expect, it } from 'vitest';
import { createFunctionDaemonFactory, type AgentContext } from '../src/function-agent-daemon';
import { ProjectionCoordinator } from '../src/projection-coordinator';

const coordinators: ProjectionCoordinator[] = [];
afterEach(async () => {
  await Promise.all(coordinators.splice(0).map((c) => c.stop()));
});

describe('three coordinators on the in-memory lock server (real distributor and daemon)', () => {
  it('every shard has exactly one owner, a killed session is taken over, and no shard ever runs twice', async () => {
    const server = new InMemoryLockServer();
    const shards = Array.from({ length: 20 }, (_, i) => shardName(`P${i}`));
    const runningOn = new Map<string, string>();
    let overlaps = 0;
    const agent =
      (node: string) =>
      async ({ signal, shard }: AgentContext) => {
        if (runningOn.has(shard.identity)) overlaps++;
        runningOn.set(shard.identity, node);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        runningOn.delete(shard.identity);
      };
    const nodes = ['n1', 'n2', 'n3'].map((node) => {
      const coordinator = new ProjectionCoordinator({
        mode: 'HotCold',
        distributor: new SingleTenantProjectionDistributor({
          databases: [{ id: 'main' }],
          shards,
          createLock: () => server.createLock({ owner: node }),
        }),
        daemonFor: createFunctionDaemonFactory(() => agent(node)),
        settings: { leadershipPollingTimeMs: 20, releaseLocksOnPause: false },
      });
      coordinators.push(coordinator);
      return { node, coordinator };
    });
    await Promise.all(nodes.map(({ coordinator }) => coordinator.start()));
    const total = () => nodes.reduce((sum, { coordinator }) => sum + coordinator.status().owned.length, 0);
    await Promise.all(nodes.map(({ coordinator }) => coordinator.whenOwned(() => total() === 20 && runningOn.size === 20, { timeoutMs: 10_000 })));

    const victim = nodes.find(({ coordinator }) => coordinator.status().owned.length > 0)!;
    await victim.coordinator.pause(); // frozen: keeps its locks
    expect(victim.coordinator.status().owned.length).toBeGreaterThan(0);
    expect(server.terminateSession(victim.node)).toBeGreaterThanOrEqual(1); // its lock owner (and its member watcher)
    const survivors = nodes.filter((n) => n !== victim);
    await survivors[0]!.coordinator.whenOwned(
      () => survivors.reduce((sum, { coordinator }) => sum + coordinator.status().owned.length, 0) === 20 && runningOn.size === 20,
      { timeoutMs: 10_000 },
    );
    expect([...runningOn.values()]).not.toContain(victim.node);
    expect(overlaps).toBe(0);
    await Promise.all(nodes.map(({ coordinator }) => coordinator.stop()));
    expect(runningOn.size).toBe(0);
    expect(server.openSessions).toBe(0);
  });
});
