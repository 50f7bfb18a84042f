/** Benchmark E (issue 24): the Emmett side by side and the throughput overhead, as table rows. */
import type { Row } from '../stats';
import { EMMETT_FAULTS, EMMETT_VARIANTS, SIGSTOP_MS, dropLeftoverSchemas, runEmmettVariant, type EmmettPlan, type EmmettVariantResult } from './emmett-side-by-side';
import { runEmmettThroughput } from './emmett-throughput';

const QUICK: EmmettPlan & { throughputEvents: number; throughputRounds: number } = {
  trials: 2,
  capMs: 30_000,
  defaultLeaseKillTrials: 1,
  defaultLeaseCapMs: 20_000,
  appendEveryMs: 10,
  throughputEvents: 3_000,
  throughputRounds: 1,
};
const FULL: typeof QUICK = { ...QUICK, trials: 10, defaultLeaseCapMs: 330_000, throughputEvents: 20_000, throughputRounds: 3 };

/** Runs every variant and the throughput rounds; stores the raw results in `raw.emmett`. */
export async function runEmmettBench(url: string, quick: boolean, raw: Record<string, unknown>, log: (line: string) => void): Promise<Row[]> {
  const plan = quick ? QUICK : FULL;
  await dropLeftoverSchemas(url);
  const variants: EmmettVariantResult[] = [];
  for (const variant of EMMETT_VARIANTS) {
    log(`E. emmett side by side (${variant.name}): 3 nodes, a projector and a reactor, ${plan.trials} trials per fault`);
    variants.push(await runEmmettVariant(url, variant, plan, log));
  }
  log(`E. emmett throughput: ${plan.throughputEvents} events drained by one node, ${plan.throughputRounds} rounds`);
  const throughput = await runEmmettThroughput(url, plan.throughputEvents, plan.throughputRounds, log);
  raw.emmett = { plan, variants, throughput };
  const ours = variants.find((v) => v.variant === 'ours')!;
  const rows: Row[] = [];
  for (const plain of variants.filter((v) => v !== ours)) {
    const lease = plain.variant === 'plain-300s' ? "Emmett's default lease 300 s" : 'lease 10 s';
    const group = `E emmett vs plain Emmett (${lease})`;
    for (const fault of EMMETT_FAULTS) {
      const a = ours.faults.find((f) => f.fault === fault)!;
      const b = plain.faults.find((f) => f.fault === fault)!;
      const what = fault === 'sigstop' ? `sigstop ${SIGSTOP_MS / 1000} s` : fault;
      for (const key of ['median', 'p99'] as const) {
        rows.push({
          group,
          metric: `${what}: advances again ${key} (n ${a.advancedAgain.n}/${b.advancedAgain.n}${b.notAdvanced > 0 ? `, plain ${b.notAdvanced} past the cap` : ''})`,
          unit: 'ms',
          ours: a.advancedAgain[key],
          baseline: b.notAdvanced > 0 && b.advancedAgain.n === 0 ? Number.POSITIVE_INFINITY : b.advancedAgain[key],
          ...(fault === 'sigkill' && key === 'p99' ? { target: '<= 1000', met: a.advancedAgain.p99 <= 1000 && a.notAdvanced === 0 } : {}),
        });
      }
    }
    rows.push(
      { group, metric: `events applied twice (of ${ours.events} / ${plain.events})`, unit: 'n', ours: ours.appliedTwice, baseline: plain.appliedTwice, target: '= 0', met: ours.appliedTwice === 0 },
      { group, metric: `events lost up to the checkpoint${plain.caughtUp ? '' : ' (plain never caught up)'}`, unit: 'n', ours: ours.lost, baseline: plain.lost, target: '= 0', met: ours.lost === 0 && ours.caughtUp },
      { group, metric: 'read-model rows differing from a replay', unit: 'n', ours: ours.readModelRowsDiffering, baseline: plain.readModelRowsDiffering, target: '= 0', met: ours.readModelRowsDiffering === 0 },
    );
  }
  rows.push({
    group: 'E emmett throughput, one node draining a backlog',
    metric: `projector events/s, ours (fencing per batch) vs plain; overhead ${throughput.overheadPercent.toFixed(1)} %`,
    unit: '/s',
    ours: throughput.oursEventsPerSecond,
    baseline: throughput.plainEventsPerSecond,
    target: 'overhead <= 5 %',
    met: throughput.overheadPercent <= 5,
  });
  return rows;
}
