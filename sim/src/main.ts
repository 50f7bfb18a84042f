import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { runSeed } from './run-seed';
import { runScale, type ScaleLayout } from './scale-run';
import { summaryRows, type SeedSummary } from './sweep';

/** Worker threads do not inherit `--import tsx` (Node 20): register it, then load the worker module. */
const WORKER_BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./seed-worker.ts', import.meta.url).href)}); });`;

// `pnpm sim -- --seeds 10` hands the script a leading `--` (pnpm passes it on): drop it, so the options are parsed
const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    seeds: { type: 'string' },
    from: { type: 'string', default: '1' },
    seed: { type: 'string' },
    trace: { type: 'boolean', default: false },
    workers: { type: 'string' },
    scale: { type: 'boolean', default: false },
    nodes: { type: 'string' },
    shards: { type: 'string' },
    tenants: { type: 'string' },
    trials: { type: 'string', default: '1' },
    'wall-limit': { type: 'string' },
    layout: { type: 'string', default: 'single-tenant' },
  },
});

if (values.seed !== undefined) await replay(Number(values.seed), values.trace);
else if (values.scale) await scale();
else await sweep(Number(values.seeds ?? 100), Number(values.from), Number(values.workers ?? Math.min(2, availableParallelism())));

/** `--seed S [--trace]`: one run, its faults, violations and (traced) timeline. */
async function replay(seed: number, trace: boolean): Promise<void> {
  const result = await runSeed({ seed, trace });
  console.log(`seed ${seed}: ${result.nodes} nodes, ${result.shards} shards, ${result.steps} steps, ${(result.virtualMs / 1000).toFixed(1)} s virtual`);
  for (const fault of result.faults) console.log(`  fault ${fault.kind} on ${fault.node} at ${(fault.atMs / 1000).toFixed(3)} s for ${fault.durationMs} ms`);
  if (trace) console.log(result.trace.join('\n'));
  for (const violation of result.violations) console.log(`VIOLATION ${violation.kind} at ${(violation.atMs / 1000).toFixed(3)} s: ${violation.detail}`);
  console.log(result.violations.length === 0 ? 'no violation' : `${result.violations.length} violation(s)`);
  process.exitCode = result.violations.length === 0 ? 0 : 1;
}

/**
 * `--seeds N [--from S] [--workers K]`: N schedules on K worker threads (one per core); failing
 * seeds and a summary table, printed in seed order whatever order the workers finish in.
 */
async function sweep(count: number, from: number, workers: number): Promise<void> {
  const started = performance.now();
  const seeds = Array.from({ length: count }, (_, i) => from + i);
  const summaries: SeedSummary[] = [];
  let failingSoFar = 0;
  const onSummary = (summary: SeedSummary): void => {
    summaries.push(summary);
    if (summary.violations.length > 0) failingSoFar++;
    // progress on stderr (the failing seeds themselves are printed in seed order at the end)
    if (summaries.length % 500 === 0)
      console.error(`${summaries.length}/${count} seeds, ${failingSoFar} failing, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  };
  await Promise.all(
    Array.from({ length: Math.max(1, workers) }, (_, index) => {
      const share = seeds.filter((_, i) => i % workers === index);
      const worker = new Worker(WORKER_BOOT, { eval: true, workerData: { seeds: share } });
      worker.on('message', onSummary);
      return new Promise<void>((resolve, reject) => {
        worker.on('error', reject);
        worker.on('exit', () => resolve());
      });
    }),
  );
  summaries.sort((a, b) => a.seed - b.seed);
  const failing = summaries.filter((summary) => summary.violations.length > 0);
  for (const summary of failing) {
    const first = summary.violations[0]!;
    console.log(`FAIL seed ${summary.seed}: ${first.kind} at ${(first.atMs / 1000).toFixed(3)} s: ${first.detail} (faults ${summary.faults.join(', ')})`);
  }
  console.table(summaryRows(summaries, performance.now() - started));
  console.log(
    failing.length === 0
      ? 'failing seeds: none'
      : `failing seeds: ${failing.map((summary) => summary.seed).join(' ')}\nreplay: pnpm sim -- --seed ${failing[0]!.seed} --trace`,
  );
  process.exitCode = failing.length === 0 && summaries.length === count ? 0 : 1;
}

/**
 * `--scale [--nodes N] [--shards M] [--tenants T] [--layout single-tenant|multi-tenanted] [--trials K] [--wall-limit S]`: convergence and
 * load figures (one row, or the default grid); with K trials (seeds 1..K) the loss convergence shows
 * median/max; a row running past S seconds of wall time reports what it reached.
 */
async function scale(): Promise<void> {
  const grid =
    values.nodes !== undefined || values.shards !== undefined || values.tenants !== undefined
      ? [{ nodes: Number(values.nodes ?? 10), shards: Number(values.shards ?? 1000), tenants: Number(values.tenants ?? 1), layout: layoutOf(values.layout) }]
      : [
          { nodes: 4, shards: 100, tenants: 1 },
          { nodes: 16, shards: 100, tenants: 1 },
          { nodes: 10, shards: 1000, tenants: 1 },
          { nodes: 10, shards: 1000, tenants: 10 },
          { nodes: 100, shards: 1000, tenants: 10 },
        ];
  const trials = Number(values.trials);
  const rows = [];
  for (const row of grid) {
    const results = [];
    const wallLimit = values['wall-limit'] === undefined ? {} : { wallLimitMs: Number(values['wall-limit']) * 1000 };
    for (let seed = 1; seed <= trials; seed++) results.push(await runScale({ ...row, seed, ...wallLimit }));
    const first = results[0]!;
    const loss = results.map((result) => result.lossConvergeMs ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
    const line = {
      nodes: first.nodes,
      shards: first.shards,
      tenants: first.tenants,
      sets: first.sets,
      'converge after start (ms)': first.startConvergeMs?.toFixed(0) ?? 'not within limit',
      'balanced after start (ms)': first.balancedAfterStartMs?.toFixed(0) ?? 'not within limit',
      [`converge after -10% nodes, median${trials > 1 ? '/max' : ''} (ms)`]:
        loss.length > 1 ? `${loss[Math.floor(loss.length / 2)]!.toFixed(0)}/${loss.at(-1)!.toFixed(0)}` : loss[0]!.toFixed(0),
      'moves after -10% nodes': first.movesAfterLoss,
      'minimal moves': first.minimalMoves,
      'lock requests/s (steady)': first.steadyRequestsPerSecond.toFixed(1),
      'lock keys/s (steady)': first.steadyKeysPerSecond.toFixed(0),
      'without verification, per node (/s)': first.standbyRequestsPerNodeSecond.toFixed(2),
      connections: first.connections,
      'heap (MB)': first.heapMb.toFixed(0),
      'probes (keys)': `${first.probes} (${first.probeKeys})`,
      'virtual (s)': (first.virtualMs / 1000).toFixed(1),
      'cpu (s)': (results.reduce((sum, result) => sum + result.cpuMs, 0) / 1000).toFixed(1),
      'wall (s)':
        (results.reduce((sum, result) => sum + result.wallMs, 0) / 1000).toFixed(1) +
        (results.some((result) => result.cutShort) ? ' (wall limit: cut short)' : ''),
    };
    console.error(JSON.stringify(line));
    rows.push(line);
  }
  console.table(rows);
}

function layoutOf(value: string | undefined): ScaleLayout {
  if (value === 'single-tenant' || value === 'multi-tenanted') return value;
  throw new Error(`--layout must be single-tenant or multi-tenanted, got ${String(value)}`);
}
