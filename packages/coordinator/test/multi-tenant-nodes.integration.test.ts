import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { OwnershipLedger, createPgAdmin, preciseNow, type PgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { handovers, runnersByShard } from './support/ledger-checks';
import { createInProcessNode, eventually, randomScope, shardNames, type InProcessNode, type NodeDatabase } from './support/in-process-node';
import { advisoryLockHolders, ensureDatabase, withDatabase } from './support/server-locks';

// Multi-tenant: two tenant databases on the server, three nodes with a MultiTenanted distributor.
// Each database's shards must run together on one node, and move together.

const TENANTS = ['polecat_tenant_a', 'polecat_tenant_b'] as const;
const SHARDS = 6;

await describePostgres('multi-tenant coordination over 2 databases (PostgreSQL)', (url) => {
  let admin: PgAdmin;
  let nodes: InProcessNode[] = [];
  let ledger = new OwnershipLedger();
  let databases: NodeDatabase[] = [];

  beforeAll(async () => {
    admin = await createPgAdmin(url);
    for (const name of TENANTS) await ensureDatabase(admin, name);
    databases = TENANTS.map((name) => ({ id: name, url: withDatabase(url, name) }));
  });
  afterAll(async () => {
    await admin.close();
  });
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    nodes = [];
    expect(ledger.findOverlaps()).toEqual([]);
    ledger = new OwnershipLedger();
  });

  /** database -> the nodes running any of its shards now. */
  const nodesByDatabase = (): Map<string, Set<string>> => {
    const result = new Map<string, Set<string>>();
    for (const [key, runners] of runnersByShard(ledger)) {
      const database = key.slice(0, key.indexOf('/'));
      const set = result.get(database) ?? new Set<string>();
      for (const runner of runners) set.add(runner);
      result.set(database, set);
    }
    return result;
  };
  const allRunning = (): boolean =>
    runnersByShard(ledger).size === TENANTS.length * SHARDS && [...runnersByShard(ledger).values()].every((r) => r.length === 1);

  it('keeps each database’s shards together on one node, and moves them together', async () => {
    const { daemonLockId, prefix } = randomScope();
    const shards = shardNames(prefix, SHARDS);
    nodes = ['a', 'b', 'c'].map((suffix) =>
      createInProcessNode({ id: `${prefix}-${suffix}`, databases, shards, daemonLockId, ledger, multiTenanted: true, storeName: prefix }),
    );
    await Promise.all(nodes.map((node) => node.coordinator.start()));
    await eventually(allRunning, 'every shard of both tenants running once');

    // every set a node reports owned is held by that node on the server, once balancing has settled
    // (2 tenants on 3 nodes: a node that took both hands one over; mid-hand-over the lock is free)
    const heldAsReported = async (): Promise<boolean> => {
      for (const node of nodes) {
        for (const set of node.coordinator.status().owned) {
          expect(set.shards).toHaveLength(SHARDS);
          const holders = await advisoryLockHolders(admin, [set.lockId], set.databaseId);
          if (JSON.stringify(holders.get(set.lockId)) !== JSON.stringify([node.id])) return false;
        }
      }
      return allRunning();
    };
    await eventually(heldAsReported, 'every owned set held by its node on the server');
    const owners = nodesByDatabase();
    for (const tenant of TENANTS) expect(owners.get(tenant)?.size).toBe(1);

    // Stop the node owning tenant A: its shards all move, together, to ONE other node.
    const ownerA = [...owners.get(TENANTS[0])!][0]!;
    const victim = nodes.find((node) => node.id === ownerA)!;
    const affected = [...victim.running()];
    const stoppedAt = preciseNow();
    await victim.stop();
    nodes = nodes.filter((node) => node !== victim);
    await eventually(allRunning, 'tenant shards running again');
    const after = nodesByDatabase();
    for (const tenant of TENANTS) {
      expect(after.get(tenant)?.size).toBe(1);
      expect(after.get(tenant)?.has(victim.id)).toBe(false);
    }
    for (const handover of handovers(ledger, victim.id, affected, stoppedAt)) expect(handover.nextStart.start).toBeGreaterThanOrEqual(handover.stoppedAt);
    expect(ledger.findOverlaps()).toEqual([]);
  });
});
