import { BALANCED, BASELINE } from '../configs';
import type { Row, Summary } from '../stats';
import { runSlowGracefulStop, SLOW_NODES, SLOW_SHARDS, type SlowGracefulStopResult } from './graceful-stop';
import { runSlowRollingRestart, type SlowRollingRestartResult } from './rolling-restart';
import { AGENT_RETURN_MS } from './slow-cluster';

/** The target for an old agent's return -> its shard running elsewhere (p99, ms). */
const RETURN_TO_ELSEWHERE_P99_MS = 150;

/** Median, p99 and max rows of one duration metric. */
function durationRows(group: string, metric: string, ours: Summary, baseline: Summary, p99Target?: number): Row[] {
  return (['median', 'p99', 'worst'] as const).map((key) => ({
    group,
    metric: `${metric} ${key}`,
    unit: 'ms',
    ours: ours[key],
    baseline: baseline[key],
    ...(key === 'p99' && p99Target !== undefined ? { target: `<= ${p99Target}`, met: ours.p99 <= p99Target } : {}),
  }));
}

/** What `stop()` may take beyond `stopDrainTimeoutMs` in these rows: the signal, the last release round trip, the event's stamp (measured 5-30 ms at load 6 on 2 cores). */
const STOP_MARGIN_MS = 100;

function stopRows(group: string, ours: SlowGracefulStopResult | SlowRollingRestartResult, baseline: SlowGracefulStopResult | SlowRollingRestartResult): Row {
  return {
    group,
    metric: `stop() of the stopped node, worst (stopDrainTimeoutMs ${ours.stopDrainTimeoutMs})`,
    unit: 'ms',
    ours: ours.stopDuration.worst,
    baseline: baseline.stopDuration.worst,
    target: `<= ${ours.stopDrainTimeoutMs} + ${STOP_MARGIN_MS}`,
    met: ours.stopDuration.worst <= ours.stopDrainTimeoutMs + STOP_MARGIN_MS,
  };
}

/**
 * Benchmark 6 (`--only slowstop`, ≈ 10 min): agents that take uniform 0.5-8 s to return after
 * their abort signal (seeded), 4 node processes x 16 shards, our defaults (balancing on) against
 * the baseline: 6a graceful stops, 6b a rolling restart of every node. Fills `raw.slowStop`.
 */
export async function runSlowStopBench(url: string, quick: boolean, raw: Record<string, unknown>, log: (line: string) => void): Promise<Row[]> {
  const stops = quick ? 2 : 4;
  const configs = [BALANCED, BASELINE];
  const graceful: SlowGracefulStopResult[] = [];
  const rolling: SlowRollingRestartResult[] = [];
  const agents = `agents return ${AGENT_RETURN_MS.min}-${AGENT_RETURN_MS.max} ms after abort`;
  for (const config of configs) {
    log(`6a. graceful stop (${config.name}): ${SLOW_NODES} nodes x ${SLOW_SHARDS} shards, ${agents}, ${stops} stops`);
    graceful.push(await runSlowGracefulStop(url, config, stops, log));
    log(`6b. rolling restart (${config.name}): ${SLOW_NODES} nodes x ${SLOW_SHARDS} shards, ${agents}`);
    rolling.push(await runSlowRollingRestart(url, config, log));
  }
  raw.slowStop = { agentReturnMs: AGENT_RETURN_MS, graceful, rolling };
  const [ours, base] = graceful as [SlowGracefulStopResult, SlowGracefulStopResult];
  const [oursRolling, baseRolling] = rolling as [SlowRollingRestartResult, SlowRollingRestartResult];
  const stopGroup = `6a graceful stop ${SLOW_NODES}x${SLOW_SHARDS}, slow agents (defaults)`;
  const rollGroup = `6b rolling restart ${SLOW_NODES}x${SLOW_SHARDS}, slow agents (defaults)`;
  return [
    ...durationRows(stopGroup, "old agent's return -> running elsewhere", ours.returnToElsewhere, base.returnToElsewhere, RETURN_TO_ELSEWHERE_P99_MS),
    ...durationRows(stopGroup, 'SIGTERM -> running elsewhere', ours.signalToElsewhere, base.signalToElsewhere),
    stopRows(stopGroup, ours, base),
    { group: stopGroup, metric: 'ledger overlaps', unit: 'n', ours: ours.overlaps, baseline: base.overlaps, target: '= 0', met: ours.overlaps === 0 },
    ...durationRows(
      rollGroup,
      "old agent's return -> running elsewhere",
      oursRolling.returnToElsewhere,
      baseRolling.returnToElsewhere,
      RETURN_TO_ELSEWHERE_P99_MS,
    ),
    ...durationRows(rollGroup, 'shard-nowhere time per restart (sum over shards)', oursRolling.nowhereMs, baseRolling.nowhereMs),
    {
      group: rollGroup,
      metric: `moves on joins (fair-share minimum ${oursRolling.joinMinimum})`,
      unit: 'n',
      ours: oursRolling.joinMoves,
      baseline: baseRolling.joinMoves,
      target: `= ${oursRolling.joinMinimum}`,
      met: oursRolling.joinMoves === oursRolling.joinMinimum,
    },
    {
      group: rollGroup,
      metric: `moves on leaves (fair-share minimum ${oursRolling.leaveMinimum})`,
      unit: 'n',
      ours: oursRolling.leaveMoves,
      baseline: baseRolling.leaveMoves,
      target: `= ${oursRolling.leaveMinimum}`,
      met: oursRolling.leaveMoves === oursRolling.leaveMinimum,
    },
    stopRows(rollGroup, oursRolling, baseRolling),
    {
      group: rollGroup,
      metric: 'ledger overlaps',
      unit: 'n',
      ours: oursRolling.overlaps,
      baseline: baseRolling.overlaps,
      target: '= 0',
      met: oursRolling.overlaps === 0,
    },
  ];
}
