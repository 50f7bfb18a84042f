import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { OwnershipLedger, createPgAdmin, type PgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { runBalancingScenario } from './support/balancing-scenario';
import { FAST_LOCK, type InProcessNode } from './support/in-process-node';
import { advisoryLockHolders } from './support/server-locks';

await describePostgres('even load on PostgreSQL (default fair-share policy)', (url) => {
  let admin: PgAdmin;
  let nodes: InProcessNode[] = [];
  beforeAll(async () => {
    admin = await createPgAdmin(url);
  });
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    nodes = [];
  });
  afterAll(async () => {
    await admin.close();
  });

  it('3 nodes started one after another over 24 shards: 8/8/8 (checked in pg_locks); one killed: 12/12; never two runners', async () => {
    const ledger = new OwnershipLedger();
    const {
      nodes: [a, b],
      roundTripsPerCycle,
    } = await runBalancingScenario({
      database: { id: 'main', url },
      ledger,
      settings: { leadershipPollingTimeMs: 500, takeoverPollingTimeMs: 100 },
      timeoutMs: 30_000,
      createLock: (database, node) => new PostgresAppLock(database.url, { ...FAST_LOCK, verifyIntervalMs: 0, applicationName: node }),
      killSession: async (node) => {
        expect(await admin.terminateBackendsByApplicationName(node.id)).toBeGreaterThanOrEqual(1); // its lock session (and its member watcher)
      },
      track: (node) => nodes.push(node),
    });
    console.log(`[balancing:postgres] steady-state lock round trips per cycle per node: ${roundTripsPerCycle.map((n) => n.toFixed(2)).join(', ')}`);
    for (const perCycle of roundTripsPerCycle) expect(perCycle).toBeLessThanOrEqual(2);
    // the server agrees: each survivor's 12 set locks are held by its own session
    for (const node of [a!, b!]) {
      const lockIds = node.coordinator.status().owned.map((set) => set.lockId);
      expect(lockIds).toHaveLength(12);
      const holders = await advisoryLockHolders(admin, lockIds);
      for (const id of lockIds) expect(holders.get(id)).toEqual([node.id]);
    }
    expect(ledger.findOverlaps()).toEqual([]);
  });
});
