/** Benchmark E (issue 24): the Emmett side by side and the throughput overhead, as table rows. */
import type { Row } from '../stats';
import {
  EMMETT_FAULTS,
  EMMETT_VARIANTS,
  SIGSTOP_MS,
  dropLeftoverSchemas,
  runEmmettFault,
  type EmmettFaultResult,
  type EmmettPlan,
} from './emmett-side-by-side';
import { runEmmettThroughput } from './emmett-throughput';

const QUICK: EmmettPlan & { throughputEvents: number; throughputPairs: number } = {
  trials: 2,
  plainTrials: 2,
  capMs: 30_000,
  defaultLeaseKillTrials: 1,
  defaultLeaseCapMs: 20_000,
  appendEveryMs: 10,
  throughputEvents: 3_000,
  throughputPairs: 3,
};
/**
 * About 19 minutes on a quiet 2-core machine (estimated from the parts): SIGSTOP trials last 15 s
 * each whoever coordinates (10 ours + 5 + 5 plain: ~6 min), the one default-lease SIGKILL 300 s,
 * 8 throughput pairs ~3 min, fresh nodes per fault and variant ~2 min.
 */
const FULL: typeof QUICK = { ...QUICK, trials: 10, plainTrials: 5, defaultLeaseCapMs: 330_000, throughputEvents: 3_000, throughputPairs: 8 };

/** Runs every variant and the throughput rounds; stores the raw results in `raw.emmett`. */
export async function runEmmettBench(url: string, quick: boolean, raw: Record<string, unknown>, log: (line: string) => void): Promise<Row[]> {
  const plan = quick ? QUICK : FULL;
  await dropLeftoverSchemas(url);
  const results: EmmettFaultResult[] = [];
  for (const variant of EMMETT_VARIANTS) {
    for (const fault of EMMETT_FAULTS) {
      log(`E. emmett side by side (${variant.name}, ${fault}): 3 fresh nodes, a projector and a reactor, appends every ${plan.appendEveryMs} ms`);
      const started = performance.now();
      results.push(await runEmmettFault(url, variant, fault, plan, log));
      log(`  (${variant.name} ${fault} took ${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  log(`E. emmett throughput: ${plan.throughputEvents} events drained by one node, ${plan.throughputPairs} adjacent plain/ours pairs`);
  const throughput = await runEmmettThroughput(url, plan.throughputEvents, plan.throughputPairs, log);
  raw.emmett = { plan, results, throughput };
  const rows: Row[] = [];
  for (const plain of EMMETT_VARIANTS.filter((v) => v.mode === 'plain')) {
    const lease = plain.leaseSeconds === undefined ? "Emmett's default lease 300 s" : `lease ${plain.leaseSeconds} s`;
    for (const fault of EMMETT_FAULTS) {
      const a = results.find((r) => r.variant === 'ours' && r.fault === fault)!;
      const b = results.find((r) => r.variant === plain.name && r.fault === fault)!;
      const group = `E emmett vs plain Emmett (${lease}): ${fault === 'sigstop' ? `sigstop ${SIGSTOP_MS / 1000} s` : fault}`;
      // a plain trial that never advanced counts as the cap: a lower bound, said in the metric
      const stuck =
        b.notAdvanced > 0
          ? `; plain: ${b.notAdvanced} of ${b.notAdvanced + b.advancedAgain.n} not advanced within ${b.capMs / 1000} s, counted as ${b.capMs / 1000} s`
          : '';
      for (const key of ['median', 'p99'] as const) {
        rows.push({
          group,
          metric: `advances again ${key} (trials ${a.withCap.n}/${b.withCap.n}${stuck})`,
          unit: 'ms',
          ours: a.withCap[key],
          baseline: b.withCap[key],
          ...(fault === 'sigkill' && key === 'p99' ? { target: '<= 1000', met: a.notAdvanced === 0 && a.advancedAgain.p99 <= 1000 } : {}),
        });
      }
      rows.push(
        {
          group,
          metric: `events applied twice (of ${a.events} / ${b.events})`,
          unit: 'n',
          ours: a.appliedTwice,
          baseline: b.appliedTwice,
          target: '= 0',
          met: a.appliedTwice === 0,
        },
        {
          group,
          metric: `events lost up to the checkpoint${b.caughtUp ? '' : ' (plain did not catch up)'}`,
          unit: 'n',
          ours: a.lost,
          baseline: b.lost,
          target: '= 0',
          met: a.lost === 0 && a.caughtUp,
        },
        {
          group,
          metric: 'read-model rows differing from a replay',
          unit: 'n',
          ours: a.readModelRowsDiffering,
          baseline: b.readModelRowsDiffering,
          target: '= 0',
          met: a.readModelRowsDiffering === 0,
        },
      );
    }
  }
  const group = `E emmett throughput, one node draining ${throughput.events} events, ${throughput.pairs} adjacent plain/ours pairs`;
  const spread = (o: typeof throughput.rate): string =>
    `median of per-pair overheads ${o.medianPercent.toFixed(1)} %, quartiles ${o.q1Percent.toFixed(1)} .. ${o.q3Percent.toFixed(1)} %, range ${o.minPercent.toFixed(1)} .. ${o.maxPercent.toFixed(1)} %`;
  rows.push(
    {
      group,
      metric: `projector events/s, ours (fencing per batch) vs plain (medians); ${spread(throughput.rate)}`,
      unit: '/s',
      ours: throughput.oursEventsPerSecond,
      baseline: throughput.plainEventsPerSecond,
      target: 'overhead <= 5 %',
      met: throughput.rate.medianPercent <= 5,
    },
    {
      group,
      metric: `node CPU per event (process user + system; projector and reactor), ours vs plain (medians); ${spread(throughput.cpu)}`,
      unit: 'µs',
      ours: throughput.oursCpuMicrosPerEvent,
      baseline: throughput.plainCpuMicrosPerEvent,
      target: 'overhead <= 5 %',
      met: throughput.cpu.medianPercent <= 5,
    },
    {
      group,
      metric: `database statements sent by the node per event (a count: load-proof), ours vs plain (medians); ${spread(throughput.statements)}`,
      unit: 'n',
      ours: throughput.oursStatementsPerEvent,
      baseline: throughput.plainStatementsPerEvent,
      target: 'overhead <= 5 %',
      met: throughput.statements.medianPercent <= 5,
    },
  );
  return rows;
}
