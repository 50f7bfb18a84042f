// Stalls judged by progress on PostgreSQL: a deliberately stuck agent (it stops calling
// `progress()` but honours its signal) is reported stalled within its configured time and, with
// `stallAction: 'hand-over'`, handed over once it has settled: another node runs the shard, never
// both at once.
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { OwnershipLedger, preciseNow } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { afterEach, expect, it } from 'vitest';
import type { CoordinatorEvents } from '../src/coordinator-events';
import { createFunctionDaemonFactory, type AgentFunction } from '../src/function-agent-daemon';
import { ProjectionCoordinator } from '../src/projection-coordinator';
import { FAST_LOCK, eventually, randomScope } from './support/in-process-node';

const STALL_MS = 600;

await describePostgres('stalls by progress (PostgreSQL)', (url) => {
  const coordinators: ProjectionCoordinator[] = [];
  afterEach(async () => {
    await Promise.all(coordinators.splice(0).map((coordinator) => coordinator.stop()));
  });

  it('a stuck agent is reported stalled within stallTimeoutMs and, opted in, handed over after it settled', async () => {
    const { daemonLockId, prefix } = randomScope();
    const ledger = new OwnershipLedger();
    const shard = `${prefix}Stuck`;
    const node = (id: string, agent: AgentFunction): ProjectionCoordinator => {
      const coordinator = new ProjectionCoordinator({
        mode: 'HotCold',
        distributor: new SingleTenantProjectionDistributor({
          databases: [{ id: 'main', schema: 'public' }],
          shards: [shardName(shard)],
          daemonLockId,
          createLock: () => new PostgresAppLock(url, { applicationName: id, ...FAST_LOCK }),
        }),
        daemonFor: createFunctionDaemonFactory(() => async (context) => {
          ledger.start(id, shard, preciseNow());
          try {
            await agent(context);
          } finally {
            ledger.stop(id, shard, preciseNow());
          }
        }),
        settings: {
          leadershipPollingTimeMs: 250,
          takeoverPollingTimeMs: 100,
          stopDrainTimeoutMs: 3000,
          stallTimeoutMs: STALL_MS,
          stallAction: 'hand-over',
          balance: false,
        },
      });
      coordinators.push(coordinator);
      return coordinator;
    };
    // n1: works a little, then gets stuck (no more progress) until aborted, and takes 300 ms to settle
    const stuck = node(`${prefix}-n1`, async ({ signal, progress }) => {
      progress(1);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    const stalls: { at: number; payload: CoordinatorEvents['agentStalled'] }[] = [];
    stuck.on('agentStalled', (payload) => stalls.push({ at: preciseNow(), payload }));
    const released: CoordinatorEvents['lockReleased'][] = [];
    stuck.on('lockReleased', (payload) => released.push(payload));
    await stuck.start();
    await stuck.whenOwned(1, { timeoutMs: 15_000 });
    const startedAt = preciseNow();

    // n2: a healthy standby that reports progress
    const healthy = node(`${prefix}-n2`, async ({ signal, progress }) => {
      let position = 0;
      while (!signal.aborted) {
        progress(++position);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
    const takeovers: CoordinatorEvents['takeover'][] = [];
    healthy.on('takeover', (payload) => takeovers.push(payload));
    await healthy.start();

    await eventually(() => stalls.length === 1, 'the stuck agent reported stalled', 10_000);
    const reportedAfter = stalls[0]!.at - startedAt;
    expect(reportedAfter).toBeGreaterThanOrEqual(STALL_MS - 50);
    expect(reportedAfter).toBeLessThanOrEqual(STALL_MS * 1.25 + 500); // checked every stallTimeoutMs / 4; the rest is load headroom
    expect(stalls[0]!.payload.shard.name).toBe(shard);

    await healthy.whenOwned(1, { timeoutMs: 15_000 });
    expect(released.map((event) => event.reason)).toEqual(['stalled']);
    // n2 hears n1's release notice (PostgreSQL) before it attains the lock, except when its own poll
    // lands in the few ms between the release and the notice: then it found the lock free (orphaned)
    expect(takeovers).toHaveLength(1);
    expect(['released', 'orphaned']).toContain(takeovers[0]!.cause);
    expect(stuck.status().owned).toEqual([]);
    expect(healthy.status().stalled).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, STALL_MS * 1.5));
    expect(healthy.status().stalled).toEqual([]); // progressing: never stalled
    expect(ledger.findOverlaps()).toEqual([]);
  });
});
