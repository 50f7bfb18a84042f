/**
 * ONE chaos node process: two coordinators over the same PostgreSQL server, each with fencing
 * epochs (see `node-agent.ts` for the agents):
 * - single-tenant: `shards` shards, one lock each, in the control database;
 * - multi-tenanted: one set of `tenantShards` shards per tenant database, the tenant list re-read
 *   from `tenantFile` on every build (the parent adds and removes tenants mid-run); its locks in
 *   each tenant database, or with `lockHome` all in one lock home (the control database).
 * Prints its agents' runs (`run-start`/`run-end`) and stats on stdout, one JSON object per line.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { ProjectionCoordinator, createFunctionDaemonFactory } from '@polecat/coordinator';
import { MultiTenantedProjectionDistributor, SingleTenantProjectionDistributor, shardName, type ProjectionDistributor } from '@polecat/distributors';
import { DrainIntents } from '@polecat/test-utils';
import { appPrefix, databaseUrl, type ChaosNodeConfig, type ChaosNodeEvent } from './config';
import { ChaosAgents } from './node-agent';
import { seededRandom } from './options';

const config = JSON.parse(process.argv[2] ?? '{}') as ChaosNodeConfig;
const emit = (event: ChaosNodeEvent): void => void process.stdout.write(`${JSON.stringify(event)}\n`);
const name = `${appPrefix(config.runId)}${config.node}`;

const makePool = (max: number): pg.Pool => {
  const made = new pg.Pool({
    connectionString: config.url,
    application_name: `${name}-w`,
    max,
    connectionTimeoutMillis: 15_000,
    // a paused or partitioned writer must not hold its FOR SHARE row lock (and so block the next grant) forever
    options: '-c idle_in_transaction_session_timeout=3000 -c statement_timeout=5000',
  });
  made.on('error', () => {});
  // a client's socket may error after the agent let go of it (abandoned writes, restarts): never crash on that
  made.on('connect', (client) => client.on('error', () => {}));
  return made;
};
const pool = makePool(16);
const grantPool = makePool(3);
const agents = new ChaosAgents(config, pool, grantPool, emit, seededRandom(config.seed));

const lockFor = (url: string): PostgresAppLock => {
  const lock = new PostgresAppLock(url, { applicationName: name, ...config.lock, ...(process.env.CHAOS_NO_NOTICES ? { releaseChannel: false as const } : {}) });
  // the parent counts the time from an involuntary loss until the agents returned
  lock.onLockLost(({ error }) => emit({ type: 'lost', reason: error.reason, at: performance.timeOrigin + performance.now() }));
  return lock;
};
const settings = {
  leadershipPollingTimeMs: 250,
  agentPauseTimeMs: 250,
  healthCheckPollingTimeMs: 500,
  stopDrainTimeoutMs: config.stopDrainTimeoutMs,
  startFailureBackoff: { initialMs: 200, maxMs: 2000 },
};

const singleTenant = new SingleTenantProjectionDistributor({
  databases: [{ id: 'chaos', schema: 'public' }],
  shards: Array.from({ length: config.shards }, (_, i) => shardName(`C${String(i).padStart(3, '0')}`)),
  daemonLockId: config.daemonLockId,
  createLock: () => lockFor(config.url),
});
const tenantShards = Array.from({ length: config.tenantShards }, (_, i) => shardName(`T${i}`));
let lastTenants: { id: string; schema: string }[] = [];
const multiTenant = new MultiTenantedProjectionDistributor({
  databases: () => {
    try {
      lastTenants = (JSON.parse(readFileSync(config.tenantFile, 'utf8')) as string[]).map((id) => ({ id, schema: 'public' }));
    } catch {
      // mid-rename or unreadable: keep the last list
    }
    return lastTenants;
  },
  shards: tenantShards,
  daemonLockId: config.tenantDaemonLockId,
  ...(config.lockHome
    ? // one lock owner (and one watcher) for every tenant, in the control database: the node's proxy or link cuts it too
      { lockHost: 'chaos-lock-home', createHomeLock: () => lockFor(config.url) }
    : { createLock: (database: { readonly id: string }) => lockFor(databaseUrl(config.url, database.id)) }),
});

// a lock lost while an agent finishes its batch: that agent abandons at once (its writes would fail)
const abandonOnLoss = (distributor: ProjectionDistributor): void => {
  distributor.onSetsLost(({ sets, error }) => {
    if (error.reason === 'released') return;
    for (const set of sets) for (const shard of set.names) agents.abandon(`${set.database.id}/${shard.identity}`);
  });
};
abandonOnLoss(singleTenant);
abandonOnLoss(multiTenant);

// the parent drains this node for a while (fault `drain`): `{"cmd":"drain","draining":true}` on stdin
const ownershipIntents = new DrainIntents();

const coordinators = [singleTenant, multiTenant].map(
  (distributor, index) =>
    new ProjectionCoordinator({
      mode: 'HotCold',
      distributor,
      daemonFor: createFunctionDaemonFactory(() => agents.agent, { drainTimeoutMs: config.stopDrainTimeoutMs }),
      epochs: agents.fencing,
      ownershipIntents,
      settings: { ...settings, daemonLockId: index === 0 ? config.daemonLockId : config.tenantDaemonLockId },
    }),
);
for (const coordinator of coordinators) coordinator.on('lockAcquired', () => void (agents.stats.grants += 1));

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(ticker);
  await Promise.all(coordinators.map((coordinator) => coordinator.stop().catch(() => {})));
  await Promise.all([pool.end().catch(() => {}), grantPool.end().catch(() => {})]);
  emit({ type: 'stats', ...agents.stats });
  process.exit(0);
}
// stdin is the parent's pipe: EOF means the chaos run is gone; an orphan must not keep its locks.
process.stdin.on('end', () => void stop());
const commands = createInterface({ input: process.stdin });
commands.on('close', () => void stop());
commands.on('line', (line) => {
  try {
    const command = JSON.parse(line) as { cmd?: unknown; draining?: unknown };
    if (command.cmd !== 'drain' || typeof command.draining !== 'boolean') return;
    ownershipIntents.set(command.draining);
  } catch {
    // not a command
  }
});
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`[${config.node}] unhandled rejection: ${String(reason)}\n`);
  process.exit(70);
});
const detail = (): string => {
  const waiting =
    [...agents.phases]
      .filter(([, count]) => count > 0)
      .map(([phase, count]) => `${phase} ${count}`)
      .join(' ') || 'none';
  const states = coordinators.map((coordinator) => {
    const status = coordinator.status();
    const error = status.lastError instanceof Error ? status.lastError.message : status.lastError === undefined ? '-' : String(status.lastError);
    return `state ${status.state}, ${status.cycles} cycles, ${status.owned.length} sets owned, ${Object.keys(status.backingOff).length} backing off, last error: ${error}`;
  });
  return `agents waiting in: ${waiting}; ${agents.stats.finishing} finishing; pool ${pool.totalCount} total ${pool.idleCount} idle ${pool.waitingCount} waiting; single-tenant: ${states[0]}; multi-tenant: ${states[1]}`;
};
const ticker = setInterval(() => emit({ type: 'stats', ...agents.stats, detail: detail() }), 250);
await Promise.all(coordinators.map((coordinator) => coordinator.start()));
emit({ type: 'ready', node: config.node, pid: process.pid });
