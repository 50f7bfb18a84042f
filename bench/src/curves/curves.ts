/**
 * Cost curves (issue 24), ours and the baseline in the same run, on private clusters: shards per
 * node (owner CPU and RSS at steady state, round trips per cycle, SIGKILL takeover p99), nodes on
 * one PostgreSQL (lock queries/s per node and on the server, SIGKILL takeover p99, time to balance
 * after a join), tenants on one server (lock connections, time until every tenant is owned, lock
 * round trips per cycle). Rows say where the 2-core machine, not the code, is the limit.
 */
import os from 'node:os';
import { createPgAdmin } from '@polecat/test-utils';
import { BALANCED, BASELINE, OURS, type BenchConfig } from '../configs';
import { postgresCycleTarget, runCycleCost } from '../cycle-cost';
import type { Row } from '../stats';
import { emptyNode, runSteadyState } from '../steady-state';
import { runEvent } from '../takeover';
import { runStandbyCost } from '../takeover-defaults';
import { runTenants } from '../tenants';
import { runGuardCost, type GuardCostPoint } from '../guard-cost';
import { timeToBalanceAfterJoin } from './balance-after-join';
import { CURVES_PORTS, startCurvesCluster } from './curves-cluster';
import { renderPlot } from './plot';

export interface CurvesPlan {
  readonly shardCounts: readonly number[];
  /** The baseline (one round trip per shard) is measured up to this many shards. */
  readonly baselineMaxShards: number;
  /**
   * The baseline's cycle cost is measured up to this many shards: its standby makes one guarded
   * statement per shard, each reading the whole lock table (C0), so at 10 000 a cycle takes about
   * 40 s on a quiet machine (bench row 2 measures it) and several minutes under load.
   */
  readonly baselineCycleMaxShards: number;
  /** The baseline's SIGKILL takeover (its 5 s poll decides it) is measured up to this many shards, with `baselineTrials`. */
  readonly baselineTakeoverMaxShards: number;
  readonly baselineTrials: number;
  readonly steadySeconds: number;
  readonly cycles: number;
  readonly takeoverShardCounts: readonly number[];
  readonly nodeCounts: readonly number[];
  readonly nodeSeconds: number;
  readonly trials: number;
  readonly tenantCounts: readonly number[];
  /** Advisory locks held cluster-wide for the one-statement cost (C0), and samples per size. */
  readonly lockTableSizes: readonly number[];
  readonly statementSamples: number;
}

export const QUICK_CURVES: CurvesPlan = {
  shardCounts: [10, 100, 1_000, 10_000, 100_000],
  baselineMaxShards: 10_000,
  baselineCycleMaxShards: 1_000,
  baselineTakeoverMaxShards: 1_000,
  baselineTrials: 3,
  steadySeconds: 10,
  cycles: 2,
  takeoverShardCounts: [10, 100, 1_000],
  nodeCounts: [2, 4, 8],
  nodeSeconds: 10,
  trials: 3,
  tenantCounts: [10, 100],
  lockTableSizes: [1, 1_000, 10_000, 100_000],
  statementSamples: 20,
};
/**
 * The full plan, meant to fit ~20 minutes on a quiet 2-core machine: the baseline stops at 10 000
 * shards (one guarded statement per shard, each reading the whole lock table, C0: at 100 000 one
 * standby cycle would take over an hour), its takeover (decided by its 5 s poll) at 1 000 with 3
 * trials; ours gets 10 trials wherever a p99 is reported; 20 s steady windows (owner CPU over
 * 10 s and 30 s agreed within the machine's noise).
 */
export const FULL_CURVES: CurvesPlan = {
  ...QUICK_CURVES,
  takeoverShardCounts: [10, 100, 1_000, 10_000],
  steadySeconds: 20,
  cycles: 3,
  nodeCounts: [2, 4, 8, 16, 32],
  nodeSeconds: 20,
  trials: 10,
  tenantCounts: [10, 100, 1_000],
  statementSamples: 50,
};

const CONFIGS = [OURS, BASELINE] as const;
type Pair = Partial<Record<BenchConfig['name'], number>>;

/** Runs every curve; returns the rows, keeps the figures in `raw.curves` and an SVG in `plot`. */
export async function runCurves(plan: CurvesPlan, raw: Record<string, unknown>, log: (line: string) => void): Promise<{ rows: Row[]; plot: string }> {
  const cores = os.cpus().length;
  const rows: Row[] = [];
  const row = (group: string, metric: string, unit: string, pair: Pair, ours: BenchConfig['name'] = 'ours'): void =>
    void rows.push({ group, metric, unit, ours: pair[ours] ?? Number.NaN, baseline: pair.baseline ?? Number.NaN });
  /** One measurement; a failure (a timeout on this loaded machine) becomes NaN and a log line, not the end of the run. */
  const measure = async <T>(label: string, run: () => Promise<T>): Promise<T | undefined> => {
    const started = performance.now();
    try {
      return await run();
    } catch (error) {
      log(`  ${label} failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    } finally {
      durations[label] = Math.round((performance.now() - started) / 1000);
      log(`  (${label} took ${durations[label]} s)`);
    }
  };
  const trialsOf = (config: BenchConfig): number => (config === BASELINE ? plan.baselineTrials : plan.trials);
  const trialsText = (withBaseline: boolean): string => (withBaseline ? `${plan.trials}/${plan.baselineTrials}` : `${plan.trials}, baseline not run`);
  /** Seconds each measurement took (where a full run spends its time; in `raw.curves.durations`). */
  const durations: Record<string, number> = {};
  const shards: Record<number, Record<string, Pair>> = {};
  const nodes: Record<number, Record<string, Pair>> = {};
  let statements: readonly GuardCostPoint[] | undefined;
  const cluster = await startCurvesCluster();
  try {
    const url = cluster.url;
    const admin = await createPgAdmin(url);
    try {
      log(`C0. one lock statement against the advisory locks held cluster-wide: ${plan.lockTableSizes.join(' / ')}`);
      statements = await measure('statement cost', () => runGuardCost(url, plan.lockTableSizes, plan.statementSamples, log));
      for (const point of statements ?? []) {
        const group = `C0 one-key lock statement, ${point.locksHeld} advisory locks held on the server (pg_locks is read whole)`;
        row(group, "try-acquire round trip, ours (pid guard) vs the original's bare pg_try_advisory_lock", 'ms', {
          ours: point.guardedTryMs,
          baseline: point.unguardedTryMs,
        });
        row(group, 'release round trip (pid guard)', 'ms', { ours: point.guardedReleaseMs });
        row(group, 'verify round trip (held count and keys)', 'ms', { ours: point.verifyMs });
        row(group, 'probe round trip', 'ms', { ours: point.probeMs });
      }
      const empty = await emptyNode();
      for (const count of plan.shardCounts) {
        const figures: Record<string, Pair> = { cpu: {}, rss: {}, ownerTrips: {}, standbyTrips: {}, takeover: {} };
        for (const config of CONFIGS) {
          if (config === BASELINE && count > plan.baselineMaxShards) continue;
          log(`C1. ${count} shards (${config.name}): steady state ${plan.steadySeconds} s, cycle cost`);
          const steady = await measure(`steady ${count} ${config.name}`, () => runSteadyState(url, config, count, plan.steadySeconds, empty));
          figures.cpu![config.name] = steady?.ownerCpuPercent ?? Number.NaN;
          figures.rss![config.name] = steady?.ownerRssAboveEmptyMb ?? Number.NaN;
          const cycle =
            config === BASELINE && count > plan.baselineCycleMaxShards
              ? undefined
              : await measure(`cycle ${count} ${config.name}`, () => runCycleCost(postgresCycleTarget(url), config, [count], plan.cycles));
          figures.ownerTrips![config.name] = cycle?.find((c) => c.role === 'owner')!.roundTrips ?? Number.NaN;
          figures.standbyTrips![config.name] = cycle?.find((c) => c.role === 'standby')!.roundTrips ?? Number.NaN;
          if (plan.takeoverShardCounts.includes(count) && (config === OURS || count <= plan.baselineTakeoverMaxShards)) {
            const takeoverConfig = config === OURS ? BALANCED : config;
            const takeover = await measure(`sigkill ${count} ${config.name}`, () =>
              runEvent(url, admin, takeoverConfig, 'sigkill', trialsOf(config), log, 3, takeoverConfig.coordinator.balance !== false, undefined, count),
            );
            figures.takeover![config.name] = takeover?.takeover.p99 ?? Number.NaN;
          }
        }
        shards[count] = figures;
        const cpuBound = (figures.cpu!.ours ?? 0) > 80 || (figures.cpu!.baseline ?? 0) > 80 ? ', CPU-bound on this 2-core machine' : '';
        const notRun =
          count > plan.baselineMaxShards
            ? ', baseline not run (one guarded statement per shard, each reading the whole lock table: see C0)'
            : count > plan.baselineCycleMaxShards
              ? ', baseline cycle not run (one statement per shard by construction; bench row 2 measures it)'
              : '';
        const group = `C1 shards per node: ${count}${cpuBound}${notRun}`;
        row(group, 'owner CPU at steady state', '% core', figures.cpu!);
        row(group, 'owner RSS above an idle node', 'MB', figures.rss!);
        row(group, 'owner round trips per cycle', 'n', figures.ownerTrips!);
        row(group, 'standby round trips per cycle', 'n', figures.standbyTrips!);
        if (plan.takeoverShardCounts.includes(count))
          row(
            group,
            `sigkill running elsewhere p99 (3 nodes, our exact defaults, trials ${trialsText(count <= plan.baselineTakeoverMaxShards)})`,
            'ms',
            figures.takeover!,
          );
      }
      for (const count of plan.nodeCounts) {
        const figures: Record<string, Pair> = { perNode: {}, server: {}, takeover: {}, join: {} };
        for (const config of [BALANCED, BASELINE]) {
          const name = config === BALANCED ? 'ours' : 'baseline';
          log(`C2. ${count} nodes x 100 shards (${name}): steady ${plan.nodeSeconds} s, sigkill, join`);
          const standby = await measure(`standby ${count} nodes ${name}`, () => runStandbyCost(url, config, plan.nodeSeconds, count));
          figures.perNode![name] = standby?.queriesPerSecond ?? Number.NaN;
          figures.server![name] = (standby?.queriesPerSecond ?? Number.NaN) * count;
          const takeover = await measure(`sigkill ${count} nodes ${name}`, () =>
            runEvent(url, admin, config, 'sigkill', trialsOf(config), log, count, config.coordinator.balance !== false),
          );
          figures.takeover![name] = takeover?.takeover.p99 ?? Number.NaN;
          figures.join![name] = (await measure(`join ${count} nodes ${name}`, () => timeToBalanceAfterJoin(url, config, count))) ?? Number.NaN;
        }
        nodes[count] = figures;
        const bound = count > cores ? `, ${count} processes on ${cores} cores: the machine may be the limit` : '';
        const group = `C2 nodes: ${count} x 100 shards${bound}`;
        row(group, 'lock queries per node', '/s', figures.perNode!);
        row(group, 'lock queries on the server (all nodes)', '/s', figures.server!);
        row(group, `sigkill running elsewhere p99 (trials ${trialsText(true)})`, 'ms', figures.takeover!);
        row(group, 'every node at its share after a join', 'ms', figures.join!);
      }
    } finally {
      await admin.close();
    }
  } finally {
    await cluster.destroy();
  }
  const tenants: Record<number, unknown> = {};
  for (const count of plan.tenantCounts) {
    log(`C3. ${count} tenants x 2 shards, 4 nodes (lock home vs a lock connection per tenant)`);
    const result = await measure(`tenants ${count}`, () =>
      runTenants(0, log, { tenants: count, shards: 2, nodes: 4, maxConnections: 100, port: CURVES_PORTS.tenants }),
    );
    if (result === undefined) continue;
    tenants[count] = result;
    const refused = result.baseline.tooManyClients > 0 ? ', baseline refused connections (max_connections 100)' : '';
    const group = `C3 tenants: ${count} x 4 nodes${refused}`;
    const { home, baseline } = result;
    const pair = (pick: (r: typeof home) => number): Pair => ({ ours: pick(home), baseline: pick(baseline) });
    row(
      group,
      'lock connections per node',
      'n',
      pair((r) => r.lockConnectionsPerNode),
    );
    row(
      group,
      'every tenant owned, from first start',
      'ms',
      pair((r) => r.ownedAllFromStartMs),
    );
    row(
      group,
      'lock round trips per cycle per node',
      'n',
      pair((r) => r.roundTripsPerCycle),
    );
  }
  raw.curves = { plan, durations, statements, shards, nodes, tenants };
  const series = (source: Record<number, Record<string, Pair>>, metric: string, name: 'ours' | 'baseline') =>
    Object.entries(source).map(([x, f]) => [Number(x), f[metric]![name] ?? Number.NaN] as const);
  const both = (source: Record<number, Record<string, Pair>>, metric: string) => [
    { name: 'ours', color: '#1f77b4', points: series(source, metric, 'ours') },
    { name: 'baseline', color: '#d62728', points: series(source, metric, 'baseline') },
  ];
  const plot = renderPlot([
    { title: 'owner CPU, % of a core', x: 'shards per node', y: '% core', series: both(shards, 'cpu') },
    { title: 'standby round trips per cycle', x: 'shards per node', y: 'round trips', series: both(shards, 'standbyTrips') },
    { title: 'lock queries/s on the server', x: 'nodes (100 shards)', y: 'queries/s', series: both(nodes, 'server') },
  ]);
  return { rows, plot };
}
