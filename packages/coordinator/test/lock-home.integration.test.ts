import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { OwnershipLedger, createPgAdmin, spawnNode, type NodeHandle, type PgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { COORDINATOR_SOURCE } from './support/child-nodes';
import { runnersByShard } from './support/ledger-checks';
import { FAST_LOCK, FAST_SETTINGS, eventually, randomScope } from './support/in-process-node';
import { withDatabase } from './support/server-locks';

// Issue 13, part 2, on real PostgreSQL with separate processes: 20 tenant databases whose locks
// all live in ONE lock home (the distributors' `createHomeLock`, as `runShards` does for one
// connection and several databases). Each node opens ONE lock connection, whatever the number of
// tenants (before: one per tenant, 20 per node). The tenants' own URLs name databases that do not
// exist: nothing may connect there for locks.

const TENANTS = 20;
const SHARDS = 2;

await describePostgres('20 tenant databases in one lock home (PostgreSQL, 3 processes)', (url) => {
  let admin: PgAdmin;
  let nodes: NodeHandle[] = [];
  const ledger = new OwnershipLedger();

  beforeAll(async () => {
    admin = await createPgAdmin(url);
  });
  afterAll(async () => {
    await admin.close();
  });
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    nodes = [];
  });

  it('every tenant owned once, spread 7/7/6, at most 2 lock connections per node (not 20); a SIGKILLed node is taken over', async () => {
    const { daemonLockId, prefix } = randomScope();
    const base = decodeURIComponent(new URL(url).pathname.slice(1));
    const databases = Array.from({ length: TENANTS }, (_, i) => ({ id: `${prefix}t${i + 1}`, url: withDatabase(url, `${base}_absent_${i + 1}`) }));
    const spawn = (suffix: string) =>
      spawnNode({
        id: `${prefix}-${suffix}`,
        databases,
        shards: SHARDS,
        shardPrefix: prefix,
        daemonLockId,
        storeName: prefix,
        lockHomeUrl: url,
        ledger,
        coordinator: { ...FAST_SETTINGS, takeoverPollingTimeMs: 250 },
        lock: FAST_LOCK,
        logLevel: 'error',
        modules: { coordinator: COORDINATOR_SOURCE },
      });
    nodes = await Promise.all(['a', 'b', 'c'].map(spawn));
    const allOnce = (): boolean => {
      const runners = runnersByShard(ledger);
      return runners.size === TENANTS * SHARDS && [...runners.values()].every((list) => list.length === 1);
    };
    await eventually(
      () =>
        allOnce() &&
        nodes
          .map((node) => node.running())
          .sort()
          .join() === '12,14,14',
      'every tenant running once, 7/7/6 tenants',
      30_000,
    );
    for (const node of nodes) expect(await admin.countConnections(node.id)).toBeLessThanOrEqual(2); // the home (+ its watcher, if any)

    const [victim, ...survivors] = nodes;
    victim!.kill('SIGKILL');
    await victim!.exited;
    nodes = survivors;
    await eventually(
      () => allOnce() && survivors.map((node) => node.running()).join() === '20,20',
      'every tenant running once on the 2 survivors, 10/10',
      30_000,
    );
    for (const node of survivors) expect(await admin.countConnections(node.id)).toBeLessThanOrEqual(2);
    expect(ledger.findOverlaps()).toEqual([]);
  }, 90_000);
});
