/**
 * `pnpm bench` (full, ≈ 10 min) or `pnpm bench -- --quick` (≈ 2 min): runs every benchmark for OUR
 * default configuration and a BASELINE that behaves like the original, on the PostgreSQL at
 * POLECAT_TEST_PG (default postgres://postgres@127.0.0.1:5432/test), prints a table and writes
 * bench/results/latest.json. Only run one benchmark with
 * `--only takeover|takeover4|cycle|steady|standby|lock|tenants|emmett|curves|slowstop` (emmett, curves
 * and slowstop run only when named); `--unwatched` adds our defaults
 * without member watchers to benchmarks 1b and 3b (the "before"). `--compare <results.json>` adds a
 * table of this run's figures against that file's; `--compare <old.json> --against <new.json>` only
 * compares two files.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { checkPostgres, postgresTestUrl, redactUrl } from '@polecat/test-utils';
import { compareFiles, readResults, renderComparison } from './compare';
import { worstOfFiles } from './worst-of';
import { BALANCED, BASELINE, CONFIGS, OURS, UNWATCHED, type BenchConfig } from './configs';
import { postgresCycleTarget, runCycleCost, type CycleCostResult } from './cycle-cost';
import { runCurvesBench } from './curves/curves-bench';
import { runEmmettBench } from './emmett/emmett-bench';
import { runLockPrimitive } from './lock-primitive';
import { runSlowStopBench } from './slow-stop/slow-stop-bench';
import { runSqlServerBenchmarks } from './sql-server';
import { renderTable, summarize, type Row, type Summary } from './stats';
import { cpuWindowSeconds, emptyNode, runSteadyState, type SteadyStateResult } from './steady-state';
import { TAKEOVER_EVENTS, runTakeover, type TakeoverResult } from './takeover';
import { DEFAULTS_NODES, DEFAULTS_TAKEOVER_EVENTS, runDefaultsTakeover, runStandbyCost, type StandbyCostResult } from './takeover-defaults';
import { tenantRows } from './tenant-rows';
import { TENANT_PLAN, runTenants } from './tenants';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
const wants = (name: string): boolean => only === undefined || only === name;
/** Also measure our defaults without member watchers (the "before" of benchmarks 1b and 3b). */
const unwatched = args.includes('--unwatched');
/** `--compare <file>`: this run against a previous results file; with `--against <file>`: two files, nothing run. */
const optionValue = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const compareWith = optionValue('--compare');
const against = optionValue('--against');
/** `--worst-of <a.json> <b.json> ...`: several runs side by side with the worst per target; nothing is run. */
const worstOfIndex = args.indexOf('--worst-of');
const worstOf = worstOfIndex >= 0 ? args.slice(worstOfIndex + 1).filter((arg) => !arg.startsWith('--')) : undefined;
const plan = quick
  ? { trials: 5, cycleCounts: [1, 100, 1000, 10_000], cycles: 2, steadySeconds: 10 }
  : { trials: 20, cycleCounts: [1, 100, 1000, 10_000], cycles: 5, steadySeconds: 60 };
const log = (line: string): void => console.error(`[bench ${((performance.now() / 1000) | 0).toString().padStart(4)} s] ${line}`);

/** `min..max` of sub-window percentages, for a metric's text. */
function windowRange(values: readonly number[]): string {
  const { n, worst } = summarize(values);
  return n === 0 ? '-' : `${Math.min(...values).toFixed(2)}..${worst.toFixed(2)} %`;
}

/** RSS samples from the window's start to its end (`112 → 41 MB`): a drop is V8's memory reducer returning the start-up peak. */
function rssSamples(values: readonly number[]): string {
  return values.map((value) => value.toFixed(0)).join(' → ') + ' MB';
}

async function main(): Promise<void> {
  if (worstOf !== undefined) {
    if (worstOf.length < 2) throw new Error('--worst-of needs at least two results files');
    console.log(await worstOfFiles(worstOf));
    return;
  }
  if (compareWith !== undefined && against !== undefined) {
    console.log(await compareFiles(compareWith, against));
    return;
  }
  const previous = compareWith === undefined ? undefined : await readResults(compareWith); // fail before a long run
  const url = postgresTestUrl();
  const availability = await checkPostgres(url);
  if (!availability.reachable) {
    console.error(`PostgreSQL unreachable at ${redactUrl(url)}: ${availability.cause} (set POLECAT_TEST_PG)`);
    process.exit(1);
  }
  log(`${quick ? 'quick' : 'full'} run against ${redactUrl(url)}; ours = defaults, baseline = ${JSON.stringify(BASELINE)}`);
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};

  if (wants('lock')) {
    log('4. lock primitive: 1000 ids');
    const lock = await runLockPrimitive(url, 1000);
    raw.lockPrimitive = lock;
    rows.push(
      { group: '4 lock 1000 ids', metric: 'acquire', unit: 'ms', ours: lock.batchAcquireMs, baseline: lock.oneByOneAcquireMs },
      { group: '4 lock 1000 ids', metric: 'acquire round trips', unit: 'n', ours: lock.batchAcquireRoundTrips, baseline: lock.oneByOneAcquireRoundTrips },
      { group: '4 lock 1000 ids', metric: 'verify', unit: 'ms', ours: lock.batchVerifyMs, baseline: lock.oneByOneVerifyMs },
      { group: '4 lock 1000 ids', metric: 'verify round trips', unit: 'n', ours: lock.batchVerifyRoundTrips, baseline: lock.oneByOneVerifyRoundTrips },
    );
  }

  if (wants('cycle')) {
    const cycle: CycleCostResult[] = [];
    for (const config of CONFIGS) {
      log(`2. cycle cost (${config.name}): ${plan.cycleCounts.join(', ')} shards`);
      cycle.push(...(await runCycleCost(postgresCycleTarget(url), config, plan.cycleCounts, plan.cycles)));
    }
    raw.cycleCost = cycle;
    for (const count of plan.cycleCounts) {
      for (const role of ['owner', 'standby'] as const) {
        const pick = (name: string) => cycle.find((c) => c.config === name && c.shards === count && c.role === role)!;
        const ours = pick('ours');
        const base = pick('baseline');
        rows.push(
          {
            group: `2 cycle ${count} shards`,
            metric: `${role} round trips`,
            unit: 'n',
            ours: ours.roundTrips,
            baseline: base.roundTrips,
            target: '<= 2',
            met: ours.roundTrips <= 2,
          },
          { group: `2 cycle ${count} shards`, metric: `${role} wall`, unit: 'ms', ours: ours.wallMs, baseline: base.wallMs },
        );
      }
    }
  }

  if (wants('steady')) {
    const empty = await emptyNode();
    const steady: SteadyStateResult[] = [];
    for (const config of CONFIGS) {
      log(`3. steady state (${config.name}): 10000 shards for ${plan.steadySeconds} s`);
      steady.push(await runSteadyState(url, config, 10_000, plan.steadySeconds, empty));
    }
    raw.steadyState = { emptyNodeRssMb: empty.rss / 1024 / 1024, emptyNodeLiveHeapMb: empty.liveHeap / 1024 / 1024, results: steady };
    const [ours, base] = [steady.find((s) => s.config === 'ours')!, steady.find((s) => s.config === 'baseline')!];
    rows.push(
      {
        group: '3 steady 10000 shards',
        metric: 'owner CPU',
        unit: '% core',
        ours: ours.ownerCpuPercent,
        baseline: base.ownerCpuPercent,
        target: '<= 2',
        met: ours.ownerCpuPercent <= 2,
      },
      {
        group: '3 steady 10000 shards',
        metric: `owner CPU, median of ${cpuWindowSeconds(plan.steadySeconds)} s windows (range ${windowRange(ours.ownerCpuWindowsPercent)}; what varies)`,
        unit: '% core',
        ours: summarize(ours.ownerCpuWindowsPercent).median,
        baseline: summarize(base.ownerCpuWindowsPercent).median,
      },
      {
        group: '3 steady 10000 shards',
        metric: 'owner RSS above idle node',
        unit: 'MB',
        ours: ours.ownerRssAboveEmptyMb,
        baseline: base.ownerRssAboveEmptyMb,
        target: '<= 50',
        met: ours.ownerRssAboveEmptyMb <= 50,
      },
      {
        group: '3 steady 10000 shards',
        metric: `owner RSS above idle node, highest ${cpuWindowSeconds(plan.steadySeconds)} s sample (ours ${rssSamples(ours.ownerRssSamplesMb)}; young generation at the end ${ours.ownerNewSpaceMb.toFixed(0)} MB; what varies)`,
        unit: 'MB',
        ours: Math.max(...ours.ownerRssSamplesMb),
        baseline: Math.max(...base.ownerRssSamplesMb),
      },
      {
        group: '3 steady 10000 shards',
        metric: 'owner live heap above idle node (after a full GC)',
        unit: 'MB',
        ours: ours.ownerLiveHeapAboveEmptyMb,
        baseline: base.ownerLiveHeapAboveEmptyMb,
      },
      { group: '3 steady 10000 shards', metric: 'owner queries', unit: '/s', ours: ours.ownerQueriesPerSecond, baseline: base.ownerQueriesPerSecond },
      { group: '3 steady 10000 shards', metric: 'standby queries', unit: '/s', ours: ours.standbyQueriesPerSecond, baseline: base.standbyQueriesPerSecond },
      { group: '3 steady 10000 shards', metric: 'standby CPU', unit: '% core', ours: ours.standbyCpuPercent, baseline: base.standbyCpuPercent },
    );
  }

  if (wants('takeover')) {
    const takeover: TakeoverResult[] = [];
    for (const config of [OURS, BALANCED, BASELINE]) {
      log(`1. takeover (${config.name}): 3 nodes x 100 shards, ${plan.trials} trials per event`);
      takeover.push(...(await runTakeover(url, config, plan.trials, log)));
    }
    raw.takeover = takeover;
    const targets: Record<string, number> = { sigkill: 1000, 'graceful-stop': 250, 'session-kill': 1500, 'tcp-cut': 1500 };
    for (const event of TAKEOVER_EVENTS) {
      const ours = takeover.find((t) => t.config === 'ours' && t.event === event)!;
      const balanced = takeover.find((t) => t.config === 'balanced' && t.event === event)!;
      const base = takeover.find((t) => t.config === 'baseline' && t.event === event)!;
      const add = (metric: string, a: Summary, b: Summary, target?: number, group = `1 takeover ${event}`): void => {
        for (const key of ['median', 'p99', 'worst'] as const) {
          rows.push({
            group,
            metric: `${metric} ${key}`,
            unit: 'ms',
            ours: a[key],
            baseline: b[key],
            ...(key === 'p99' && target !== undefined ? { target: `<= ${target}`, met: a[key] <= target } : {}),
          });
        }
      };
      add(event === 'session-kill' || event === 'tcp-cut' ? 'owned again' : 'running elsewhere', ours.takeover, base.takeover, targets[event]);
      if (ours.aborted !== undefined && base.aborted !== undefined) add('agents aborted', ours.aborted, base.aborted, 1000);
      rows.push({
        group: `1 takeover ${event}`,
        metric: 'ledger overlaps',
        unit: 'n',
        ours: ours.overlaps,
        baseline: base.overlaps,
        target: '= 0',
        met: ours.overlaps === 0,
      });
      // the same with our defaults exactly (balancing on: the victim held about a third)
      const balancedGroup = `1 takeover ${event} (balanced)`;
      add(
        event === 'session-kill' || event === 'tcp-cut' ? 'owned again' : 'running elsewhere',
        balanced.takeover,
        base.takeover,
        targets[event],
        balancedGroup,
      );
      rows.push({
        group: balancedGroup,
        metric: 'ledger overlaps',
        unit: 'n',
        ours: balanced.overlaps,
        baseline: base.overlaps,
        target: '= 0',
        met: balanced.overlaps === 0,
      });
    }
  }

  if (wants('takeover4')) {
    const configs: BenchConfig[] = [BALANCED, ...(unwatched ? [UNWATCHED] : []), BASELINE];
    const results: TakeoverResult[] = [];
    for (const config of configs) {
      log(`1b. takeover (${config.name}): ${DEFAULTS_NODES} nodes x 100 shards, ${plan.trials} trials per event`);
      results.push(...(await runDefaultsTakeover(url, config, plan.trials, log)));
    }
    raw.takeoverDefaults = results;
    for (const config of configs.filter((c) => c !== BASELINE)) {
      const suffix = config === UNWATCHED ? ' (no watchers)' : '';
      for (const event of DEFAULTS_TAKEOVER_EVENTS) {
        const ours = results.find((t) => t.config === config.name && t.event === event)!;
        const base = results.find((t) => t.config === BASELINE.name && t.event === event)!;
        const group = `1b takeover ${DEFAULTS_NODES} nodes (defaults) ${event}${suffix}`;
        const metric = event === 'sigkill' ? 'running elsewhere' : 'owned again';
        for (const key of ['median', 'p99', 'worst'] as const) {
          rows.push({
            group,
            metric: `${metric} ${key}`,
            unit: 'ms',
            ours: ours.takeover[key],
            baseline: base.takeover[key],
            ...(key === 'p99' && config === BALANCED ? { target: '<= 100', met: ours.takeover.p99 <= 100 } : {}),
          });
        }
        rows.push({ group, metric: 'ledger overlaps', unit: 'n', ours: ours.overlaps, baseline: base.overlaps, target: '= 0', met: ours.overlaps === 0 });
      }
    }
  }

  if (wants('tenants')) {
    const { tenants, shards, nodes, maxConnections } = TENANT_PLAN;
    log(
      `5. tenants: ${tenants} tenant databases x ${shards} shards, ${nodes} node processes, private cluster with max_connections ${maxConnections}; lock home vs one lock connection per tenant`,
    );
    const result = await runTenants(plan.trials, log);
    raw.tenants = result;
    const { home, baseline } = result;
    rows.push(...tenantRows(`5 tenants ${tenants} dbs x ${nodes} nodes (max_connections ${maxConnections})`, tenants, home, baseline, true));
  }

  if (wants('standby')) {
    const seconds = quick ? 20 : 60;
    const configs: BenchConfig[] = [BALANCED, ...(unwatched ? [UNWATCHED] : []), BASELINE];
    const results: StandbyCostResult[] = [];
    for (const config of configs) {
      log(`3b. standby cost (${config.name}): ${DEFAULTS_NODES} nodes x 100 shards for ${seconds} s`);
      results.push(await runStandbyCost(url, config, seconds));
    }
    raw.standbyCost = results;
    const base = results.find((r) => r.config === BASELINE.name)!;
    for (const config of configs.filter((c) => c !== BASELINE)) {
      const ours = results.find((r) => r.config === config.name)!;
      const group = `3b steady ${DEFAULTS_NODES} nodes x 100 shards (defaults)${config === UNWATCHED ? ' (no watchers)' : ''}`;
      rows.push(
        {
          group,
          metric: 'standby queries per node (no verification)',
          unit: '/s',
          ours: ours.standbyQueriesPerSecond,
          baseline: base.standbyQueriesPerSecond,
          ...(config === BALANCED ? { target: '<= 0.5', met: ours.standbyQueriesPerSecond <= 0.5 } : {}),
        },
        { group, metric: 'all queries per node', unit: '/s', ours: ours.queriesPerSecond, baseline: base.queriesPerSecond },
      );
    }
  }

  if (only === 'emmett') rows.push(...(await runEmmettBench(url, quick, raw, log))); // long (35 min full): only when asked
  if (only === 'curves') rows.push(...(await runCurvesBench(quick, raw, log))); // long (20 min quick): only when asked
  if (only === 'slowstop') rows.push(...(await runSlowStopBench(url, quick, raw, log))); // long (≈ 10 min): only when asked

  // SQL Server rows (only when POLECAT_TEST_MSSQL is set; otherwise one skip line).
  rows.push(
    ...(await runSqlServerBenchmarks({
      wants,
      cycleCounts: plan.cycleCounts,
      cycles: plan.cycles,
      trials: plan.trials,
      standbySeconds: quick ? 20 : 60,
      raw,
      log,
    })),
  );

  const table = renderTable(rows);
  console.log(table);
  const result = {
    when: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    machine: { node: process.version, cpus: os.cpus().length, platform: `${os.platform()} ${os.release()}` },
    configs: { ours: OURS, balanced: BALANCED, baseline: BASELINE, ...(unwatched ? { unwatched: UNWATCHED } : {}) },
    rows,
    raw,
    table,
  };
  const dir = new URL('../results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  const stamped = `${result.mode}-${result.when.replace(/[:.]/g, '-')}.json`;
  for (const name of ['latest.json', stamped]) await writeFile(new URL(name, dir), `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote bench/results/latest.json and bench/results/${stamped}`);
  if (previous !== undefined) console.log(`\ncompared with ${compareWith}:\n${renderComparison(rows, previous)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
