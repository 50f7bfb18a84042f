/**
 * ONE chaos node process: a PostgresAppLock + SingleTenant distributor + coordinator with fencing
 * epochs, whose agents append a ledger row every `writeIntervalMs` through the fencing check
 * (`BEGIN; assertCurrent (FOR SHARE); INSERT; COMMIT`). A refused (stale) write is recorded in the
 * refusal table and the agent fails with the StaleEpochError, so the coordinator hands the set over
 * and the next grant is fresh. Prints stats on stdout.
 */
import pg from 'pg';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { ProjectionCoordinator, createFunctionDaemonFactory, type AgentContext } from '@polecat/coordinator';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { FencingEpochSource, PostgresEpochStore, StaleEpochError } from '@polecat/fencing';
import { appPrefix, type ChaosNodeConfig, type ChaosNodeEvent } from './config';

const config = JSON.parse(process.argv[2] ?? '{}') as ChaosNodeConfig;
const emit = (event: ChaosNodeEvent): void => void process.stdout.write(`${JSON.stringify(event)}\n`);
const stats = { writes: 0, refused: 0, errors: 0, grants: 0, owned: 0 };
const name = `${appPrefix(config.runId)}${config.node}`;

const pool = new pg.Pool({
  connectionString: config.url,
  application_name: `${name}-w`,
  max: 10,
  connectionTimeoutMillis: 15_000,
  // a paused or partitioned writer must not hold its FOR SHARE row lock (and so block the next grant) forever
  options: '-c idle_in_transaction_session_timeout=3000 -c statement_timeout=5000',
});
pool.on('error', () => {});
const store = new PostgresEpochStore(pool, { table: config.epochTable, createTable: false });
const fencing = new FencingEpochSource({ store });

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Where agents currently wait (diagnostics: a stalled shard shows which step holds it). */
const phases = new Map<string, number>();
async function inPhase<T>(name: string, work: Promise<T>): Promise<T> {
  phases.set(name, (phases.get(name) ?? 0) + 1);
  try {
    return await work;
  } finally {
    phases.set(name, phases.get(name)! - 1);
  }
}

async function fencedWrite(key: string, shard: string, epoch: bigint): Promise<void> {
  const client = await inPhase('connect', pool.connect());
  const onError = (): void => {}; // a cut connection errors between queries: the next query rejects instead
  client.on('error', onError);
  let broken: unknown;
  let refused: StaleEpochError | undefined;
  try {
    await inPhase('begin', client.query('BEGIN'));
    try {
      await inPhase('assert', store.assertCurrent(client, key, epoch));
      await inPhase('insert', client.query(`INSERT INTO ${config.ledgerTable} (shard, node, pid, epoch) VALUES ($1, $2, $3, $4)`, [shard, config.node, process.pid, epoch.toString()]));
      await inPhase('commit', client.query('COMMIT'));
    } catch (error) {
      await inPhase('rollback', client.query('ROLLBACK')).catch((e: unknown) => (broken = e));
      if (!StaleEpochError.isStale(error)) throw error;
      refused = error;
    }
  } catch (error) {
    broken = error;
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken instanceof Error ? broken : undefined);
  }
  if (refused === undefined) return;
  // Recorded AFTER the client went back: asking the pool for a second client while holding one
  // deadlocks once every client is held by an agent doing the same.
  await inPhase('record-refusal', pool.query(`INSERT INTO ${config.refusalTable} (shard, node, pid, epoch, current_epoch) VALUES ($1, $2, $3, $4, $5)`, [
    shard,
    config.node,
    process.pid,
    epoch.toString(),
    refused.currentEpoch?.toString() ?? null,
  ]));
  throw refused;
}

async function agent({ signal, shard, database, epoch }: AgentContext): Promise<void> {
  stats.owned += 1;
  try {
    const key = fencing.keyFor(database, shard);
    if (key === undefined || epoch === undefined) throw new Error('agent started without a fencing key/epoch');
    while (!signal.aborted) {
      await sleep(config.writeIntervalMs, signal);
      if (signal.aborted) break;
      try {
        await fencedWrite(key, shard.identity, epoch);
        stats.writes += 1;
      } catch (error) {
        if (StaleEpochError.isStale(error)) {
          // stale: never write again with this epoch. Let it escape: the coordinator hands the set
          // over (FencingEpochSource.isStale) and the next grant, here or elsewhere, is fresh.
          stats.refused += 1;
          throw error;
        }
        stats.errors += 1;
        if (stats.errors <= 3 || process.env.CHAOS_DEBUG) process.stderr.write(`[${config.node}] write failed: ${error instanceof Error ? error.message : String(error)}\n`);
        await sleep(100, signal);
      }
    }
  } finally {
    stats.owned -= 1;
  }
}

const shards = Array.from({ length: config.shards }, (_, i) => shardName(`C${String(i).padStart(3, '0')}`));
const coordinator = new ProjectionCoordinator({
  mode: 'HotCold',
  distributor: new SingleTenantProjectionDistributor({
    databases: [{ id: 'chaos', schema: 'public' }],
    shards,
    daemonLockId: config.daemonLockId,
    createLock: () => new PostgresAppLock(config.url, { applicationName: name, verifyIntervalMs: 1000, requestTimeoutMs: 2000, connectTimeoutMs: 3000 }),
  }),
  daemonFor: createFunctionDaemonFactory(() => agent, { drainTimeoutMs: 2000 }),
  epochs: fencing,
  settings: {
    daemonLockId: config.daemonLockId,
    leadershipPollingTime: 250,
    agentPauseTime: 250,
    healthCheckPollingTime: 500,
    stopDrainTimeout: 2000,
    startFailureBackoff: { initialMs: 200, maxMs: 2000 },
  },
});
coordinator.on('lockAcquired', () => void (stats.grants += 1));

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(ticker);
  await coordinator.stop().catch(() => {});
  await pool.end().catch(() => {});
  emit({ type: 'stats', ...stats });
  process.exit(0);
}
// stdin is the parent's pipe: EOF means the chaos run is gone; an orphan must not keep its locks.
process.stdin.on('end', () => void stop());
process.stdin.resume();
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`[${config.node}] unhandled rejection: ${String(reason)}\n`);
  process.exit(70);
});
const detail = (): string => {
  const status = coordinator.status();
  const error = status.lastError instanceof Error ? status.lastError.message : status.lastError === undefined ? '-' : String(status.lastError);
  const waiting = [...phases].filter(([, count]) => count > 0).map(([name, count]) => `${name} ${count}`).join(' ') || 'none';
  return `agents waiting in: ${waiting}; pool ${pool.totalCount} total ${pool.idleCount} idle ${pool.waitingCount} waiting; state ${status.state}, ${status.cycles} cycles, ${status.owned.length} sets owned, ${Object.keys(status.backingOff).length} backing off, last error: ${error}`;
};
const ticker = setInterval(() => emit({ type: 'stats', ...stats, detail: detail() }), 250);
await coordinator.start();
emit({ type: 'ready', node: config.node, pid: process.pid });
