// Issue 9 (a chaos `stall` fault, seed 1928425287): node A's lock connection stalls for longer than
// its request timeout, A gives the session up and aborts its agent, and the network is back soon
// after. A's agent needs ~2 s to return. Before the fix, A destroyed the socket at once, the close
// reached the server when the stall ended, the server freed the lock, and node B (direct
// connection) started the shard while A's agent was still running. Now the given-up session stays
// open (the server keeps the lock on it) until A's drain ended: the agent-side ledger shows no
// overlap, and the shard runs again (on B or A) only after A's agent returned.
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { OwnershipLedger, preciseNow, startTcpProxy, type TcpProxy } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { afterEach, expect, it } from 'vitest';
import { createFunctionDaemonFactory } from '../src/function-agent-daemon';
import { ProjectionCoordinator } from '../src/projection-coordinator';
import { eventually, randomScope } from './support/in-process-node';

const RETURN_AFTER_ABORT_MS = 2_000;
const LOCK = { verifyIntervalMs: 200, requestTimeoutMs: 500, connectTimeoutMs: 2_000 } as const;

await describePostgres('a given-up lock session is held open until its agents returned (PostgreSQL)', (url) => {
  const coordinators: ProjectionCoordinator[] = [];
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    proxy?.resume();
    await Promise.all(coordinators.splice(0).map((coordinator) => coordinator.stop()));
    await proxy?.close();
    proxy = undefined;
  });

  it('a stall past the request timeout, then the network back: no other node runs the shard until the aborted agent returned', async () => {
    const target = new URL(url);
    proxy = await startTcpProxy({ target: { host: target.hostname, port: Number(target.port || 5432) } });
    const { daemonLockId, prefix } = randomScope();
    const shard = `${prefix}Slow`;
    const ledger = new OwnershipLedger();
    const aborted = new Map<string, number>();
    const node = (id: string, lockUrl: string): ProjectionCoordinator => {
      const coordinator = new ProjectionCoordinator({
        mode: 'HotCold',
        distributor: new SingleTenantProjectionDistributor({
          databases: [{ id: 'main', schema: 'public' }],
          shards: [shardName(shard)],
          daemonLockId,
          createLock: () => new PostgresAppLock(lockUrl, { applicationName: id, ...LOCK }),
        }),
        daemonFor: createFunctionDaemonFactory(() => async ({ signal }) => {
          ledger.start(id, shard, preciseNow());
          try {
            await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
            aborted.set(id, preciseNow());
            // a projection finishing its batch: it honours the abort, seconds later
            await new Promise((resolve) => setTimeout(resolve, RETURN_AFTER_ABORT_MS));
          } finally {
            ledger.stop(id, shard, preciseNow());
          }
        }),
        settings: { leadershipPollingTimeMs: 100, takeoverPollingTimeMs: 100, stopDrainTimeoutMs: 500, balance: false },
      });
      coordinators.push(coordinator);
      return coordinator;
    };

    const a = node(`${prefix}-a`, proxy.rewriteUrl(url));
    await a.start();
    await a.whenOwned(1, { timeoutMs: 15_000 });
    const b = node(`${prefix}-b`, url);
    await b.start();

    // A's lock connection stalls: its next verification times out and A aborts its agent
    proxy.stall();
    await eventually(() => aborted.has(`${prefix}-a`), 'A giving its lock up and aborting its agent', 10_000);
    // the network is back shortly after A gave up, long before A's agent returned
    await new Promise((resolve) => setTimeout(resolve, 200));
    proxy.resume();

    // the shard runs again: on B (which polled all along) or on A itself (its new session may win
    // the race once its old one closed)
    await eventually(() => ledger.intervals().length >= 2, 'the shard running again', 20_000);
    const [first, next] = [...ledger.intervals()].sort((x, y) => x.start - y.start);
    expect(first!.node).toBe(`${prefix}-a`);
    expect(first!.stop, 'the shard ran again while A’s aborted agent was still running').toBeDefined();
    // A's agent really took its time after the abort (else this proves nothing) ...
    expect(first!.stop! - aborted.get(`${prefix}-a`)!).toBeGreaterThanOrEqual(RETURN_AFTER_ABORT_MS - 50);
    // ... and the next run started only after it returned
    expect(next!.start).toBeGreaterThanOrEqual(first!.stop!);
    expect(ledger.findOverlaps()).toEqual([]);
  }, 60_000);
});
