/**
 * The chaos suite: N proxied node processes plus one node in its own network namespace, each with
 * a single-tenant and a multi-tenanted coordinator, on a PostgreSQL cluster of the run's own
 * (initdb + pg_ctl, so it can be restarted). Random faults on the proxied nodes (SIGKILL + restart,
 * SIGSTOP/SIGCONT, pause + server-side termination, lock-session termination, TCP cuts and
 * stalls), scheduled ones (the netns node's link drops every packet; the cluster restarts; a tenant
 * database is added, another removed). Agents need 0.5-10 s to finish after a voluntary stop.
 * Invariants are checked from the database ledger and from the agents' own run ledger. Exit 1 if
 * one fails.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startTcpProxy, type TcpProxy } from '@polecat/test-utils';
import { appPrefix, type ChaosNodeConfig } from './config';
import { FAULT_KINDS, injectFault, pickFault, type FaultKind } from './faults';
import { ClusterAdmin } from './infra/cluster-admin';
import { NetnsHost, canUseNetns } from './infra/netns-host';
import { PrivateCluster, findPostgresBin } from './infra/private-cluster';
import { writeTenants } from './infra/tenants';
import { NodeHandle } from './node-handle';
import { parseOptions, seededRandom } from './options';
import { evaluateRun } from './run-report';
import { restartDatabase, vanish, type RestartRecord, type VanishRecord } from './scheduled-faults';

const options = parseOptions(process.argv.slice(2));
const started = Date.now();
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const now = (): number => performance.timeOrigin + performance.now();
const random = seededRandom(options.seed);
const wants = (kind: string): boolean => options.only === undefined || options.only.includes(kind);

/** A missing capability: fatal in CI, a skip elsewhere. */
function missing(what: string): never {
  if (inCi) {
    console.error(`chaos: ${what}; it is required in CI`);
    process.exit(1);
  }
  console.log(`chaos: ${what}; skipping (CI=true makes this a failure)`);
  process.exit(0);
}

const bin = findPostgresBin() ?? missing('no PostgreSQL server binaries (initdb, pg_ctl under /usr/lib/postgresql/*/bin)');
const netnsWanted = wants('vanish');
const netnsOk = netnsWanted && (await canUseNetns());
if (netnsWanted && !netnsOk) missing('cannot create network namespaces (needs root and iproute2) for the vanished-host fault');

const runId = randomUUID().replace(/-/g, '').slice(0, 10);
const prefix = appPrefix(runId);
const cleanups: (() => Promise<void>)[] = [];
const cleanup = async (): Promise<void> => {
  for (const step of cleanups.reverse()) await step().catch(() => undefined);
  cleanups.length = 0;
};
const hardLimitMs = (options.seconds + 180) * 1000;
const watchdog = setTimeout(() => {
  console.error(`chaos: did not finish within ${hardLimitMs / 1000} s; aborting`);
  void cleanup().finally(() => process.exit(1));
}, hardLimitMs);
watchdog.unref();

const netns = netnsOk ? await NetnsHost.create(runId.slice(0, 4), '198.18.94.1', '198.18.94.2') : undefined;
if (netns) cleanups.push(() => netns.destroy());
const cluster = await PrivateCluster.start({
  bin,
  port: options.pgPort,
  dirPrefix: 'polecat-chaos-pg-',
  listen: ['127.0.0.1', ...(netns ? [netns.hostAddress] : [])],
});
cleanups.push(() => (options.keep ? Promise.resolve(console.log(`kept the cluster in ${cluster.dir}`)) : cluster.destroy()));

const tenantIds = Array.from({ length: options.tenants + 1 }, (_, i) => `chaos_t${i + 1}`);
{
  const setup = new pg.Client({ connectionString: cluster.url('postgres') });
  await setup.connect();
  for (const db of ['chaos', ...tenantIds]) await setup.query(`CREATE DATABASE ${db}`);
  await setup.end();
}
const controlUrl = cluster.url('chaos');
const admin = new ClusterAdmin(controlUrl);
cleanups.push(() => admin.close());
const ledgerTable = `chaos_ledger_${runId}`;
const refusalTable = `chaos_refused_${runId}`;
const epochTable = `chaos_epochs_${runId}`;
await admin.query(
  `CREATE TABLE ${ledgerTable} (id bigserial PRIMARY KEY, shard text NOT NULL, node text NOT NULL, pid int NOT NULL, epoch bigint NOT NULL, written_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
);
await admin.query(
  `CREATE TABLE ${refusalTable} (id bigserial PRIMARY KEY, shard text NOT NULL, node text NOT NULL, pid int NOT NULL, epoch bigint NOT NULL, current_epoch bigint, at timestamptz NOT NULL DEFAULT clock_timestamp())`,
);
await admin.query(
  `CREATE TABLE ${epochTable} (lock_key text PRIMARY KEY, epoch bigint NOT NULL CHECK (epoch > 0), updated_at timestamptz NOT NULL DEFAULT now())`,
);

const tenantFile = join(tmpdir(), `polecat-chaos-tenants-${runId}.json`);
let tenants = tenantIds.slice(0, options.tenants);
writeTenants(tenantFile, tenants);

// Lock timings obeying the timing rule with room for the agents: a partitioned node gives up after
// 1 s + 2 s; the server frees its locks after tcp_user_timeout = 8 s (keepalive probes from 2 s).
const lock = {
  verifyIntervalMs: 1000,
  requestTimeoutMs: 2000,
  connectTimeoutMs: 3000,
  serverKeepAlive: { idleSeconds: 2, intervalSeconds: 1, count: 3, userTimeoutMs: 6000 },
};
const baseConfig = {
  runId,
  shards: options.shards,
  daemonLockId: 100_000 + Math.floor(random() * 1_500_000_000),
  tenantDaemonLockId: 100_000 + Math.floor(random() * 1_500_000_000),
  epochTable,
  ledgerTable,
  refusalTable,
  writeIntervalMs: options.writeMs,
  tenantFile,
  tenantShards: options.tenantShards,
  lockHome: options.lockHome,
  finishMs: { min: 500, max: 10_000 },
  lock,
  stopDrainTimeoutMs: 2000,
};
console.log(
  `chaos run ${runId}: ${options.nodes} nodes${netns ? ' + 1 in its own network namespace' : ''}, ${options.shards} shards + ${options.tenants} tenant databases x ${options.tenantShards} shards${options.lockHome ? ' (their locks in one lock home)' : ''}, ` +
    `${options.seconds} s of faults (every ~${options.faultEveryMs} ms), writes every ${options.writeMs} ms, seed ${options.seed}, private cluster on port ${cluster.port}`,
);
const nodes: NodeHandle[] = [];
const proxies: TcpProxy[] = [];
for (let i = 1; i <= options.nodes; i += 1) {
  const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: cluster.port } });
  proxies.push(proxy);
  const config: ChaosNodeConfig = { ...baseConfig, node: `n${i}`, url: proxy.rewriteUrl(controlUrl), seed: options.seed + i };
  nodes.push(new NodeHandle(config.node, proxy, config, options.verbose));
}
cleanups.push(async () => void (await Promise.all(proxies.map((proxy) => proxy.close()))));
const vanishing = netns
  ? new NodeHandle(
      'v1',
      undefined,
      { ...baseConfig, node: 'v1', url: cluster.url('chaos', netns.hostAddress), seed: options.seed + 99 },
      options.verbose,
      netns.exec,
    )
  : undefined;
const everyNode = vanishing ? [...nodes, vanishing] : nodes;
cleanups.push(async () => void (await Promise.all(everyNode.map((node) => node.kill()))));
for (const node of everyNode) node.start();
await sleep(4000); // let the nodes start (tsx) and take the shards

const faults = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
const faultFrom = now();
const faultUntil = faultFrom + options.seconds * 1000;
const vanishes: VanishRecord[] = [];
const restarts: RestartRecord[] = [];
const tenantEvents: string[] = [];
let quiet = false; // random faults pause while a scheduled fault is measured

/** The scheduled faults: vanished host, database restart, a tenant added and one removed. */
async function schedule(): Promise<void> {
  const T = options.seconds * 1000;
  const events: { at: number; run: () => Promise<void> }[] = [];
  const vanishEvery = options.short ? T : 60_000;
  if (vanishing && netns) {
    for (let at = 0.12 * T; at < T - 20_000 || at === 0.12 * T; at += vanishEvery) {
      events.push({
        at,
        run: async () => {
          quiet = true;
          try {
            vanishes.push(await vanish(vanishing, netns, admin, `${prefix}v1`, 3000, 30_000));
          } finally {
            quiet = false;
          }
        },
      });
    }
  }
  if (wants('restart')) {
    const restartAt = options.short
      ? [0.65 * T]
      : Array.from({ length: Math.max(1, Math.floor((0.6 * T - 10_000) / 45_000) + 1) }, (_, i) => 0.4 * T + i * 45_000);
    for (const at of restartAt) {
      events.push({
        at,
        run: async () => {
          quiet = true;
          try {
            restarts.push(await restartDatabase(cluster, everyNode));
            await sleep(8000); // measure the recovery without other faults
          } finally {
            quiet = false;
          }
        },
      });
    }
  }
  events.push({
    at: 0.3 * T,
    run: async () => {
      tenants = [...tenants, tenantIds[options.tenants]!];
      writeTenants(tenantFile, tenants);
      tenantEvents.push(`added ${tenantIds[options.tenants]!}`);
    },
  });
  events.push({
    at: 0.5 * T,
    run: async () => {
      const removed = tenants[1]!;
      tenants = tenants.filter((id) => id !== removed);
      writeTenants(tenantFile, tenants);
      tenantEvents.push(`removed ${removed}`);
    },
  });
  events.sort((a, b) => a.at - b.at);
  for (const event of events) {
    const wait = faultFrom + event.at - now();
    if (wait > 0) await sleep(wait);
    await event.run().catch((error: unknown) => console.error('scheduled fault failed:', error));
  }
}
const scheduled = schedule();

const pending = new Set<Promise<void>>();
while (now() < faultUntil) {
  await sleep(Math.round(options.faultEveryMs * (0.5 + random())));
  if (quiet) continue;
  const candidates = nodes.filter((node) => !node.busy && node.alive);
  // keep at least one node untouched at any moment so progress stays possible
  if (candidates.length <= 1 || nodes.filter((node) => node.busy).length >= nodes.length - 1) continue;
  const kinds = FAULT_KINDS.filter((kind) => wants(kind));
  if (kinds.length === 0) continue;
  const node = candidates[Math.floor(random() * candidates.length)]!;
  const kind = pickFault(random, kinds);
  faults[kind] += 1;
  const done = injectFault(kind, node, admin, runId, random).catch((error: unknown) => console.error(`fault ${kind} on ${node.name} failed:`, error));
  pending.add(done);
  void done.finally(() => pending.delete(done));
}
await Promise.all(pending);
await scheduled;
await netns?.heal();
for (const node of nodes) {
  node.proxy?.resume();
  if (node.paused) node.signal('SIGCONT');
  if (!node.alive) node.start();
}
const settleMs = 15_000; // hand-overs wait for agents finishing their batch (up to 10 s)
const finalWindowStart = now() + settleMs - 2000;
await sleep(settleMs); // every shard must have an owner again and write
const measuredUntil = now();
const snapshot = {
  nodes: everyNode.map(
    (node) =>
      `${node.name}: ${node.alive ? 'alive' : 'dead'}${node.paused ? ' paused' : ''}, ${node.owned} agents running; ${node.detail}; stderr: ${node.stderrTail() || '-'}`,
  ),
  locks: (
    await admin.query<{ application_name: string; datname: string; locks: string }>(
      `SELECT a.application_name, a.datname, count(*) AS locks FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND left(a.application_name, length($1)) = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
      [prefix],
    )
  ).rows.map((row) => `advisory locks held by ${row.application_name} in ${row.datname}: ${row.locks}`),
};
await Promise.all(everyNode.map((node) => node.stop(30_000)));
let remaining = await admin.count(prefix, true);
for (let i = 0; i < 100 && remaining > 0; i += 1) {
  await sleep(50);
  remaining = await admin.count(prefix, true);
}

const ok = await evaluateRun({
  options,
  runId,
  admin,
  tables: { ledgerTable, refusalTable, epochTable },
  nodes: everyNode,
  vanishingPid: vanishing === undefined ? undefined : vanishes.map((v) => v.pid),
  vanishes,
  restarts,
  tenantEvents,
  finalTenants: tenants,
  allTenants: tenantIds,
  faults,
  faultFrom,
  measuredUntil,
  finalWindowStart,
  remainingSessions: remaining,
  snapshot,
  startedAt: started,
});
await cleanup();
process.exit(ok ? 0 : 1);
