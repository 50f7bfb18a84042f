import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { OwnershipLedger, PrivateCluster, findPostgresBin, preciseNow, spawnNode, type NodeHandle, type NodeProcessConfig } from '@polecat/test-utils';
import { BALANCED, BASELINE, scope } from './configs';
import { restartedAt, waitUntil } from './ledger-waits';
import { sleep, summarize, type Summary } from './stats';
import { spawnAll } from './spawn-all';

/**
 * Benchmark 5 (issue 13, part 2): 200 tenant databases on ONE PostgreSQL with the default
 * `max_connections = 100` (a private cluster: initdb + pg_ctl on port 16340), 2 shards per tenant,
 * 4 node processes. OURS puts every tenant's locks in one lock home (`createHomeLock`: one lock
 * connection per node); the BASELINE opens one lock connection per tenant database per node, as
 * the originals do (800 connections wanted).
 */
export const TENANT_PLAN = { tenants: 200, shards: 2, nodes: 4, maxConnections: 100, port: 16340 } as const;

/** How many tenants, shards per tenant, nodes; the private cluster's `max_connections` and port. */
export interface TenantPlan {
  readonly tenants: number;
  readonly shards: number;
  readonly nodes: number;
  readonly maxConnections: number;
  readonly port: number;
}

export interface TenantsResult {
  readonly config: 'lock-home' | 'baseline';
  /** The most lock connections one node held (pg_stat_activity by application_name), sampled after start. */
  readonly lockConnectionsPerNode: number;
  /** All nodes' lock connections together. */
  readonly lockConnectionsTotal: number;
  /** Tenants whose every shard was running somewhere at the end of the observation. */
  readonly tenantsOwned: number;
  /** Spawn of the 4 processes -> every tenant owned (NaN: never, within the observation). */
  readonly ownedAllFromSpawnMs: number;
  /** First node's coordinator started (its `ready`) -> every tenant owned (NaN: never). */
  readonly ownedAllFromStartMs: number;
  /** Lock round trips per coordinator cycle per node at steady state, periodic verification included (the most of any node). */
  readonly roundTripsPerCycle: number;
  /** The distributor's batched requests (attempt + probe) per cycle per node at steady state: per lock server, with one server. */
  readonly requestsPerCycle: number;
  /** Connections the server refused during the row (`FATAL: sorry, too many clients already` in its log). */
  readonly tooManyClients: number;
  /** SIGKILL of the busiest node -> every one of its shards running on another node (lock home only). */
  readonly sigkill?: Summary;
  readonly overlaps: number;
}

const log0 = (): void => undefined;

/** What a tenant row asks of the server it runs on. */
export interface TenantServer {
  /** Sessions of the node whose application name is `id`, now. */
  readonly connectionsOf: (id: string) => Promise<number>;
  /** Connections the server refused so far (`NaN`: not observable there). */
  readonly refusals: () => number;
}

/** Runs both rows on one private cluster (created and destroyed here, with its 200 databases). */
export async function runTenants(
  trials: number,
  log: (line: string) => void = log0,
  plan: TenantPlan = TENANT_PLAN,
): Promise<{ home: TenantsResult; baseline: TenantsResult; setupMs: number }> {
  const bin = findPostgresBin();
  if (bin === undefined) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (needed for the private cluster)');
  const startedAt = performance.now();
  const cluster = await PrivateCluster.start({
    bin,
    port: plan.port,
    listen: ['127.0.0.1'],
    maxConnections: plan.maxConnections,
    dirPrefix: 'polecat-bench-pg-',
  });
  try {
    const admin = new pg.Client({ connectionString: cluster.url('postgres'), application_name: 'bench-admin' });
    await admin.connect();
    try {
      const names = Array.from({ length: plan.tenants }, (_, i) => `tenant_${String(i + 1).padStart(4, '0')}`);
      for (const name of [...names, 'locks']) await admin.query(`create database ${name}`);
      const setupMs = performance.now() - startedAt;
      log(
        `  private cluster on port ${plan.port} (max_connections ${plan.maxConnections}), ${names.length} tenant databases in ${(setupMs / 1000).toFixed(1)} s`,
      );
      const tenants = names.map((name) => ({ id: name, url: cluster.url(name) }));
      const server: TenantServer = {
        connectionsOf: (id) => connectionsOf(admin, id),
        refusals: () => readFileSync(join(cluster.dir, 'server.log'), 'utf8').split('too many clients').length - 1,
      };
      const home = await runTenantRow('lock-home', tenants, cluster.url('locks'), server, trials, log, plan);
      const baseline = await runTenantRow('baseline', tenants, undefined, server, 0, log, plan);
      return { home, baseline, setupMs };
    } finally {
      await admin.end().catch(() => undefined);
    }
  } finally {
    await cluster.destroy(); // the 200 databases go with it
  }
}

async function connectionsOf(admin: pg.Client, id: string): Promise<number> {
  const result = await admin.query<{ n: string }>('select count(*) as n from pg_stat_activity where application_name = $1', [id]);
  return Number(result.rows[0]!.n);
}

/** Tenants (database ids) whose every shard runs somewhere now. */
function tenantsOwned(ledger: OwnershipLedger, shardsPerTenant: number): number {
  const running = new Map<string, Set<string>>();
  for (const interval of ledger.intervals()) {
    if (interval.stop !== undefined) continue;
    const slash = interval.shard.indexOf('/');
    const tenant = interval.shard.slice(0, slash);
    const shards = running.get(tenant) ?? new Set<string>();
    shards.add(interval.shard);
    running.set(tenant, shards);
  }
  let owned = 0;
  for (const shards of running.values()) if (shards.size >= shardsPerTenant) owned += 1;
  return owned;
}

/** One row (lock home, or the baseline's connection per tenant) on tenant databases of one server (PostgreSQL or SQL Server). */
export async function runTenantRow(
  config: TenantsResult['config'],
  tenants: readonly { readonly id: string; readonly url: string }[],
  homeUrl: string | undefined,
  server: TenantServer,
  trials: number,
  log: (line: string) => void,
  plan: Pick<TenantPlan, 'shards' | 'nodes'>,
): Promise<TenantsResult> {
  const { refusals } = server;
  const refusedBefore = refusals();
  const { daemonLockId, prefix } = scope(config === 'baseline' ? 'tb' : 'th');
  const ledger = new OwnershipLedger();
  const settings = config === 'baseline' ? BASELINE : BALANCED;
  let serial = 0;
  const spawn = (): Promise<NodeHandle> => {
    const id = `${prefix}-${(serial += 1)}`;
    const node: Parameters<typeof spawnNode>[0] = {
      id,
      databases: tenants,
      distributor: 'multi-tenanted',
      shards: plan.shards,
      shardPrefix: prefix,
      daemonLockId,
      storeName: prefix,
      ledger,
      coordinator: settings.coordinator,
      lock: settings.lock,
      sequentialAttempts: settings.sequentialAttempts,
      cycleEvents: true,
      logLevel: 'warn',
      readyTimeoutMs: 60_000,
      ...(homeUrl === undefined ? {} : ({ lockHomeUrl: homeUrl } satisfies Partial<NodeProcessConfig>)),
    };
    return spawnNode(node);
  };
  const spawnedAt = preciseNow();
  let nodes: NodeHandle[] = [];
  let ownedAllAt = Number.NaN;
  const watch = setInterval(() => {
    if (Number.isNaN(ownedAllAt) && tenantsOwned(ledger, plan.shards) === tenants.length) ownedAllAt = preciseNow();
  }, 2);
  const takeovers: number[] = [];
  try {
    await spawnAll(plan.nodes, spawn, nodes);
    const firstReady = Math.min(...nodes.map((node) => node.events.find((event) => event.type === 'ready')?.at ?? Number.POSITIVE_INFINITY));
    // observe: every tenant owned, or the observation window (15 s; the baseline polls every 5 s) ends
    const deadline = Date.now() + 15_000;
    while (Number.isNaN(ownedAllAt) && Date.now() < deadline) await sleep(20);
    // settle: balancing hands sets over until every node runs its share (the baseline never balances)
    const share = (tenants.length / plan.nodes) * plan.shards;
    const settleBy = Date.now() + (config === 'baseline' ? 1_000 : 20_000);
    while (Date.now() < settleBy && !(config === 'lock-home' && nodes.every((node) => node.running() === share))) await sleep(20);
    await sleep(1_000);
    const counts: number[] = [];
    for (const node of nodes) counts.push(await server.connectionsOf(node.id));
    const lockConnectionsPerNode = Math.max(...counts);
    const lockConnectionsTotal = counts.reduce((a, b) => a + b, 0);
    // steady-state round trips per cycle, per node (cumulative lock round trips in each cycle event)
    const sample = (): { cycles: number; roundTrips: number; requests: number }[] =>
      nodes.map((node) => {
        const cycles = node.events.filter((event) => event.type === 'cycle');
        const last = cycles.at(-1);
        return {
          cycles: cycles.length,
          roundTrips: last?.type === 'cycle' ? last.roundTrips : 0,
          requests: last?.type === 'cycle' ? (last.lockRequests ?? Number.NaN) : 0,
        };
      });
    const before = sample();
    await sleep(10_000);
    const after = sample();
    const per = (field: 'roundTrips' | 'requests'): number[] =>
      after.flatMap((end, i) => (end.cycles > before[i]!.cycles ? [(end[field] - before[i]![field]) / (end.cycles - before[i]!.cycles)] : []));
    const perCycle = per('roundTrips');
    const requests = per('requests');
    const roundTripsPerCycle = perCycle.length === 0 ? Number.NaN : Math.max(...perCycle);
    const requestsPerCycle = requests.length === 0 ? Number.NaN : Math.max(...requests);
    const tooManyClients = refusals() - refusedBefore;
    log(
      `  ${config}: connections per node ${counts.join('/')}, running ${nodes.map((node) => node.running()).join('/')}, tenants owned ${tenantsOwned(ledger, plan.shards)}/${tenants.length}, all owned ${Number.isNaN(ownedAllAt) ? 'never' : `${(ownedAllAt - spawnedAt).toFixed(0)} ms after spawn, ${(ownedAllAt - firstReady).toFixed(0)} ms after the first start`}, ${perCycle.map((n) => n.toFixed(2)).join('/')} round trips (${requests.map((n) => n.toFixed(2)).join('/')} attempt/probe requests) per cycle, ${tooManyClients} "too many clients" lines`,
    );
    const result = {
      config,
      lockConnectionsPerNode,
      lockConnectionsTotal,
      tenantsOwned: tenantsOwned(ledger, plan.shards),
      ownedAllFromSpawnMs: ownedAllAt - spawnedAt,
      ownedAllFromStartMs: ownedAllAt - firstReady,
      roundTripsPerCycle,
      requestsPerCycle,
    };
    for (let trial = 0; trial < trials; trial += 1) {
      await waitUntil(() => tenantsOwned(ledger, plan.shards) === tenants.length, 30_000);
      // steady state first: the new node has received its share (hand-overs done), else the kill
      // measures a rebalancing in progress
      const balancedBy = Date.now() + 20_000;
      while (Date.now() < balancedBy && !nodes.every((node) => node.running() === share)) await sleep(20);
      await sleep(100 + Math.random() * 400); // random phase against the survivors' polls
      const victim = [...nodes].sort((a, b) => b.running() - a.running())[0]!;
      const affected = [...ledger.intervals()].filter((i) => i.node === victim.id && i.stop === undefined).map((i) => i.shard);
      const at = victim.kill('SIGKILL');
      await waitUntil(() => restartedAt(ledger, affected, at, victim.id) !== undefined, 30_000);
      takeovers.push(restartedAt(ledger, affected, at, victim.id)! - at);
      if (process.env.BENCH_TRACE === '1')
        traceTakeover(
          nodes.filter((node) => node !== victim),
          at,
          takeovers.at(-1)!,
          log,
        );
      await victim.exited;
      nodes = [...nodes.filter((node) => node !== victim), await spawn()];
      if ((trial + 1) % 5 === 0) log(`  ${config} sigkill: ${trial + 1}/${trials} (last ${takeovers.at(-1)!.toFixed(0)} ms)`);
    }
    return {
      ...result,
      tooManyClients: refusals() - refusedBefore,
      overlaps: ledger.findOverlaps().length,
      ...(takeovers.length > 0 ? { sigkill: summarize(takeovers) } : {}),
    };
  } finally {
    clearInterval(watch);
    await Promise.all(nodes.map((node) => node.stop()));
  }
}

/** `BENCH_TRACE=1`: each survivor's cycles and agent starts around a kill (ms after the kill). */
function traceTakeover(survivors: readonly NodeHandle[], killedAt: number, tookMs: number, log: (line: string) => void): void {
  log(`  trace: takeover ${tookMs.toFixed(1)} ms`);
  for (const node of survivors) {
    const parts: string[] = [];
    let starts: number[] = [];
    const flush = (): void => {
      if (starts.length > 0) parts.push(`agents x${starts.length} ${starts[0]!.toFixed(1)}..${starts.at(-1)!.toFixed(1)}`);
      starts = [];
    };
    for (const event of node.events) {
      const t = event.at - killedAt;
      if (t < -100 || t > tookMs + 5) continue;
      if (event.type === 'agent-started') starts.push(t);
      else if (event.type === 'cycle') {
        flush();
        parts.push(`cycle ${(t - event.durationMs).toFixed(1)}..${t.toFixed(1)} att ${event.attempted} got ${event.granted}`);
      } else if (event.type === 'trace') {
        if (event.what === 'member-left' && parts.at(-1)?.startsWith('member-left')) continue;
        flush();
        parts.push(event.durationMs === undefined ? `${event.what} @${t.toFixed(1)}` : `${event.what} ${(t - event.durationMs).toFixed(1)}..${t.toFixed(1)}`);
      } else if (event.type === 'lock-lost') {
        flush();
        parts.push(`lost ${t.toFixed(1)}`);
      }
    }
    flush();
    log(`    ${node.id}: ${parts.join(' | ')}`);
  }
}
