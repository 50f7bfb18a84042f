import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { OwnershipLedger, createPgAdmin, spawnNode, type NodeHandle, type PgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { COORDINATOR_SOURCE } from './support/child-nodes';
import { runnersByShard } from './support/ledger-checks';
import { FAST_LOCK, FAST_SETTINGS, eventually, randomScope } from './support/in-process-node';
import { ensureDatabase } from './support/server-locks';

// Issue 9, item 3, on real PostgreSQL with separate processes: 6 tenant databases whose locks all
// go through ONE connection string (as `runShards({ connection, databases })` does), 3 processes,
// 2 shards per tenant. With the lock host declared, each tenant's lock id includes its identity:
// all 12 shards run, once each, spread over the nodes. (Before: every tenant had the same lock id
// on that one server, so 2 of 12 shards ever ran.)

const SHARDS = 2;

await describePostgres('6 tenant databases sharing one lock host (PostgreSQL, 3 processes)', (url) => {
  let admin: PgAdmin;
  let nodes: NodeHandle[] = [];
  let tenants: string[] = [];
  const ledger = new OwnershipLedger();

  beforeAll(async () => {
    admin = await createPgAdmin(url);
    // tenant databases under the test database's own name (polecat_<name>_t1.. here, the CI database's prefix in CI)
    const base = decodeURIComponent(new URL(url).pathname.slice(1));
    tenants = Array.from({ length: 6 }, (_, i) => `${base}_t${i + 1}`);
    for (const name of tenants) await ensureDatabase(admin, name);
  });
  afterAll(async () => {
    await admin.close();
  });
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    nodes = [];
  });

  it('all 12 shards run, once each, 2 tenants per node', async () => {
    const { daemonLockId, prefix } = randomScope();
    // every tenant's lock through the same connection: one lock server for all
    const databases = tenants.map((id) => ({ id, url }));
    nodes = await Promise.all(
      ['a', 'b', 'c'].map((suffix) =>
        spawnNode({
          id: `${prefix}-${suffix}`,
          databases,
          shards: SHARDS,
          shardPrefix: prefix,
          daemonLockId,
          storeName: prefix,
          lockHost: 'one-connection',
          ledger,
          coordinator: { ...FAST_SETTINGS, takeoverPollingTimeMs: 250 },
          lock: FAST_LOCK,
          logLevel: 'error',
          modules: { coordinator: COORDINATOR_SOURCE },
        }),
      ),
    );
    const spread = (): boolean => {
      const runners = runnersByShard(ledger);
      if (runners.size !== tenants.length * SHARDS || ![...runners.values()].every((list) => list.length === 1)) return false;
      return nodes.every((node) => node.running() === 2 * SHARDS);
    };
    await eventually(spread, 'all 12 shards running once, 2 tenants (4 shards) per node', 30_000);
    for (const node of nodes) {
      const tenantsOfNode = new Set(
        [...runnersByShard(ledger).entries()].filter(([, runners]) => runners.includes(node.id)).map(([key]) => key.slice(0, key.indexOf('/'))),
      );
      expect(tenantsOfNode.size).toBe(2);
    }
    expect(ledger.findOverlaps()).toEqual([]);
  }, 60_000);
});
