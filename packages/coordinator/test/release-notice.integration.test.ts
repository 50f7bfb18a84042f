import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { OwnershipLedger } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { afterEach, expect, it } from 'vitest';
import { FAST_LOCK, createInProcessNode, randomScope, shardNames, type InProcessNode } from './support/in-process-node';

await describePostgres('release notices on PostgreSQL: a standby wakes when the owner stops gracefully', (url) => {
  let nodes: InProcessNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    nodes = [];
  });

  it('takes over through the notice, long before its (60 s) poll, with one extra cycle', async () => {
    const { daemonLockId, prefix } = randomScope();
    const shards = shardNames(prefix, 20);
    const ledger = new OwnershipLedger();
    // polls far apart: only the release notice can explain a quick takeover
    const settings = { leadershipPollingTimeMs: 60_000, takeoverPollingTimeMs: 60_000, balance: false, stopDrainTimeoutMs: 2_000 };
    const make = (id: string): InProcessNode => {
      const node = createInProcessNode({
        id: `${prefix}-${id}`,
        databases: [{ id: 'main', url }],
        shards,
        daemonLockId,
        ledger,
        settings,
        createLock: (database, applicationName) => new PostgresAppLock(database.url, { ...FAST_LOCK, verifyIntervalMs: 0, applicationName }),
      });
      nodes.push(node);
      return node;
    };
    const owner = make('owner');
    await owner.coordinator.start();
    await owner.coordinator.whenOwned(20, { timeoutMs: 10_000 });
    const standby = make('standby');
    let cycles = 0;
    standby.coordinator.on('cycle', () => cycles++);
    await standby.coordinator.start();
    await standby.coordinator.whenOwned((status) => status.cycles >= 1, { timeoutMs: 10_000 }); // denied; next poll in 60 s
    const cyclesBefore = cycles;
    const tripsBefore = standby.locks.reduce((sum, lock) => sum + lock.stats().roundTrips, 0);

    const stoppedAt = performance.now();
    await owner.stop();
    await standby.coordinator.whenOwned(20, { timeoutMs: 10_000 });
    const tookMs = performance.now() - stoppedAt;
    console.log(`[release-notice:postgres] graceful stop -> 20 shards running on the standby in ${tookMs.toFixed(0)} ms (poll: 60 s)`);
    expect(tookMs).toBeLessThan(5_000); // generous; the poll would take 60 s

    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(cycles - cyclesBefore).toBe(1); // one release batch, one notice, one extra cycle
    expect(standby.locks.reduce((sum, lock) => sum + lock.stats().roundTrips, 0) - tripsBefore).toBe(1);
    expect(standby.running().size).toBe(20);
    expect(ledger.findOverlaps()).toEqual([]);
  });
});
