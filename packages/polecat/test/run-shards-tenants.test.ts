import { waitUntil } from '@polecat/test-utils';
import { describe, expect, it } from 'vitest';
import { InMemoryLockServer, SHARED_CONNECTION_HOST, computeLockId, runShards, type AgentContext, type ProjectionCoordinator } from '../src/index';

// `runShards({ connection, databases: [6 tenants] })` puts every tenant's lock on the ONE server of
// that connection. Each database's lock id includes its identity, so the tenants' sets never share
// a lock id there (one tenant would then run in the whole cluster): every tenant runs, and tenants
// spread over the nodes.

const TENANTS = Array.from({ length: 6 }, (_, i) => ({ id: `tenant${i + 1}` }));

describe('runShards with several tenant databases on one connection', () => {
  it('3 nodes x 6 tenants x 2 shards on one lock server: all 12 shards run, once each, spread 2 tenants per node', async () => {
    const server = new InMemoryLockServer();
    const running = new Map<string, Set<string>>(); // node -> "tenant/shard"
    let overlaps = 0;
    const agentsOf = (node: string) => {
      const mine = new Set<string>();
      running.set(node, mine);
      const agent = async ({ signal, shard, database }: AgentContext): Promise<void> => {
        const key = `${database.id}/${shard.name}`;
        if ([...running.values()].some((set) => set.has(key))) overlaps += 1;
        mine.add(key);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        mine.delete(key);
      };
      return { Trip: agent, Day: agent };
    };
    const settings = { leadershipPollingTimeMs: 50, takeoverPollingTimeMs: 50, daemonLockId: 90_000 + Math.floor(Math.random() * 100_000) };
    const nodes: ProjectionCoordinator[] = [];
    try {
      for (const node of ['a', 'b', 'c']) {
        nodes.push(await runShards({ connection: { backend: 'memory', server }, databases: TENANTS, shards: agentsOf(node), settings, random: Math.random }));
      }
      const total = (): number => [...running.values()].reduce((sum, set) => sum + set.size, 0);
      await waitUntil(() => total() === 12 && nodes.every((node) => node.status().owned.length === 2), 'all 12 shards running, 2 tenants per node', {
        timeoutMs: 10_000,
        intervalMs: 20,
      });
      const all = [...running.values()].flatMap((set) => [...set]);
      expect(new Set(all).size).toBe(12);
      for (const set of running.values()) {
        expect(set.size).toBe(4);
        expect(new Set([...set].map((key) => key.split('/')[0])).size).toBe(2); // a tenant's shards stay together
      }
      expect(new Set(nodes.flatMap((node) => node.status().owned.map((set) => set.lockId))).size).toBe(6);
      expect(overlaps).toBe(0);
      // a lock home: ONE lock connection per node, not one per tenant (18), plus the home's member watcher
      expect(server.openSessions).toBe(6);
    } finally {
      await Promise.all(nodes.map((node) => node.dispose()));
    }
    expect(server.openSessions).toBe(0);
  });

  it('lockHome: false opens one lock connection per tenant per node (same lock ids)', async () => {
    const server = new InMemoryLockServer();
    const agent = async ({ signal }: AgentContext): Promise<void> =>
      void (await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })));
    const settings = { leadershipPollingTimeMs: 50, takeoverPollingTimeMs: 50, daemonLockId: 90_000 + Math.floor(Math.random() * 100_000) };
    const coordinator = await runShards({ connection: { backend: 'memory', server }, databases: TENANTS, shards: { Trip: agent }, settings, lockHome: false });
    try {
      await coordinator.whenOwned(6, { timeoutMs: 5000 });
      expect(server.openSessions).toBe(6);
      expect(
        coordinator
          .status()
          .owned.map((set) => set.lockId)
          .sort(),
      ).toEqual(TENANTS.map((tenant) => computeLockId('dbo', `MultiTenanted:default@${tenant.id}`, settings.daemonLockId)).sort());
    } finally {
      await coordinator.dispose();
    }
  });

  it('one database keeps the original lock ids (no lock host); the shared host is exported', async () => {
    expect(SHARED_CONNECTION_HOST).toBe('runShards:connection');
    const server = new InMemoryLockServer();
    const coordinator = await runShards({
      connection: { backend: 'memory', server },
      shards: { Trip: async ({ signal }) => void (await new Promise((r) => signal.addEventListener('abort', r))) },
      settings: { leadershipPollingTimeMs: 50 },
      random: () => 0,
    });
    try {
      await coordinator.whenOwned(1, { timeoutMs: 5000 });
      expect(coordinator.status().owned[0]!.lockId).toBe(computeLockId('dbo', 'Trip:All'));
    } finally {
      await coordinator.dispose();
    }
  });
});
