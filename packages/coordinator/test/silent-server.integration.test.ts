import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { OwnershipLedger, startBlackholeAfterStartupProxy, type BlackholeProxy } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FAST_LOCK, createInProcessNode, eventually, randomScope, shardNames } from './support/in-process-node';

// Issue 9 item 4, end to end: the lock server accepts the start-up and then drops every packet.
// Before the fix the lock's LISTEN hung outside connectTimeoutMs: the loop stopped cycling and
// coordinator.stop() never returned.
await describePostgres('a coordinator whose lock server goes silent after the start-up', (url) => {
  let proxy: BlackholeProxy;
  beforeAll(async () => {
    const target = new URL(url);
    proxy = await startBlackholeAfterStartupProxy({ host: target.hostname, port: Number(target.port || 5432) });
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('keeps cycling (each connect gives up after connectTimeoutMs) and stop() returns in bounded time', async () => {
    const { daemonLockId, prefix } = randomScope();
    const node = createInProcessNode({
      id: `${prefix}-silent`,
      databases: [{ id: 'main', url: proxy.rewriteUrl(url) }],
      shards: shardNames(prefix, 3),
      daemonLockId,
      ledger: new OwnershipLedger(),
      settings: { leadershipPollingTimeMs: 200, startFailureBackoff: { initialMs: 100, maxMs: 200 } },
      createLock: (database, applicationName) => new PostgresAppLock(database.url, { ...FAST_LOCK, connectTimeoutMs: 500, applicationName }),
    });
    await node.coordinator.start();
    const connectsBefore = proxy.blackholed();
    // several bounded connect attempts: the loop is alive and trying again
    await eventually(() => proxy.blackholed() >= connectsBefore + 3, 'three more connect attempts through the silent server', 20_000);
    const cycles = node.coordinator.status().cycles;
    await eventually(() => node.coordinator.status().cycles > cycles, 'another cycle', 10_000);
    expect(node.running().size).toBe(0);
    const stopping = performance.now();
    await node.stop();
    expect(performance.now() - stopping).toBeLessThan(5_000); // one connect budget (0.5 s) + drain; generous
  }, 40_000);
});
