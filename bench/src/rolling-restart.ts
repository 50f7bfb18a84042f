import { OwnershipLedger, preciseNow, spawnNode, type NodeHandle } from '@polecat/test-utils';
import { BALANCED, BASELINE, scope, type BenchConfig } from './configs';
import { waitUntil } from './ledger-waits';
import { sleep, summarize, type Row, type Summary } from './stats';

/**
 * Benchmark 6 (issue 22): hand-over at the speed of each agent. 4 nodes x 16 shards whose agents
 * need 0.5-8 s (uniform) to return after their signal (a projection finishing its batch). A rolling
 * restart: for every node in turn a new process first, then SIGTERM to the old one. Measures, per
 * old agent, from its return to its shard running elsewhere; the time the restarted node's shards
 * ran nowhere (sum of the gaps per restart); `stop()` (SIGTERM to exit); ownership moves per
 * membership change against the fair-share minimum; ledger overlaps.
 */
const SHARDS = 16;
const NODES = 4;
const AGENT_RETURN_MS = { min: 500, max: 8_000 } as const;
/** No shard start for this long: the cluster has settled after a change. */
const QUIET_MS = 2_500;

export interface RollingRestartResult {
  readonly config: BenchConfig['name'];
  /** An old agent's return -> its shard running on another node. */
  readonly returnToRunning: Summary;
  /** Per restart: the sum over the old node's shards of the time each ran nowhere. */
  readonly nowherePerRestart: Summary;
  /** SIGTERM -> `stop()` resolved in the old process (its `stop-draining` or `stopped` event). */
  readonly stop: Summary;
  readonly joinMoves: readonly number[];
  readonly joinMinimum: readonly number[];
  readonly leaveMoves: readonly number[];
  readonly leaveMinimum: readonly number[];
  readonly overlaps: number;
}

/** Shard starts after `since` (each one a move: an agent starts only where its shard was not running). */
function startsAfter(ledger: OwnershipLedger, since: number): number {
  return ledger.intervals().filter((interval) => interval.start > since).length;
}

/**
 * Waits until every shard runs, with balancing until every node runs its fair share (±1), and then
 * no shard started or stopped for {@link QUIET_MS} since `since` (late moves are counted too).
 */
async function settled(ledger: OwnershipLedger, nodes: readonly NodeHandle[], since: number, balanced: boolean): Promise<void> {
  const low = Math.floor(SHARDS / nodes.length);
  const even = (): boolean => !balanced || nodes.every((node) => node.running() >= low && node.running() <= low + 1);
  for (;;) {
    await waitUntil(() => nodes.reduce((sum, node) => sum + node.running(), 0) === SHARDS && even(), 60_000);
    const last = Math.max(since, ...ledger.intervals().map((interval) => Math.max(interval.start, interval.stop ?? 0)));
    if (preciseNow() - last >= QUIET_MS) return;
    await sleep(250);
  }
}

/** One rolling restart (`rounds` x every node) of one config. */
export async function runRollingRestart(url: string, config: BenchConfig, rounds: number, log: (line: string) => void): Promise<RollingRestartResult> {
  const { daemonLockId, prefix } = scope('r');
  const ledger = new OwnershipLedger();
  let serial = 0;
  const spawn = (): Promise<NodeHandle> =>
    spawnNode({
      id: `${prefix}-${config.name[0]}${(serial += 1)}`,
      databases: [{ id: 'main', url }],
      shards: SHARDS,
      shardPrefix: prefix,
      daemonLockId,
      ledger,
      agentReturnDelayMs: AGENT_RETURN_MS,
      coordinator: config.coordinator,
      lock: config.lock,
      sequentialAttempts: config.sequentialAttempts,
      logLevel: 'error',
    });
  const gaps: number[] = [];
  const nowhere: number[] = [];
  const stops: number[] = [];
  const joinMoves: number[] = [];
  const joinMinimum: number[] = [];
  const leaveMoves: number[] = [];
  const leaveMinimum: number[] = [];
  let nodes: NodeHandle[] = [];
  try {
    const balanced = config !== BASELINE;
    for (let index = 0; index < NODES; index += 1) nodes.push(await spawn()); // one after another, as deployed
    await settled(ledger, nodes, preciseNow(), balanced);
    for (let restart = 0; restart < rounds * NODES; restart += 1) {
      const old = nodes[0]!;
      // a new process first (a membership change: join) ...
      const joinAt = preciseNow();
      const fresh = await spawn();
      nodes = [...nodes.slice(1), fresh];
      await settled(ledger, [old, ...nodes], joinAt, balanced);
      joinMoves.push(startsAfter(ledger, joinAt));
      joinMinimum.push(config === BASELINE ? 0 : Math.floor(SHARDS / (NODES + 1)));
      // ... then SIGTERM to the old one (a leave: only its own shards must move)
      const termAt = preciseNow();
      const held = ledger.intervals().filter((interval) => interval.node === old.id && interval.stop === undefined);
      await old.stop();
      // stop() resolved: 'stop-draining' when agents still ran past stopDrainTimeoutMs, else 'stopped'
      const stopped = old.events.find((event) => event.type === 'stop-draining' || event.type === 'stopped');
      stops.push((stopped?.at ?? preciseNow()) - termAt);
      await settled(ledger, nodes, termAt, balanced);
      leaveMoves.push(startsAfter(ledger, termAt));
      leaveMinimum.push(held.length);
      let sum = 0;
      for (const interval of held) {
        const returned = ledger.intervals().find((i) => i.node === old.id && i.shard === interval.shard && i.start === interval.start);
        const next = ledger.intervals().find((i) => i.node !== old.id && i.shard === interval.shard && i.start >= termAt);
        if (returned?.stop === undefined || next === undefined) continue;
        gaps.push(next.start - returned.stop);
        sum += next.start - returned.stop;
      }
      nowhere.push(sum);
      log(`  ${config.name} restart ${restart + 1}/${rounds * NODES}: ${held.length} shards moved, nowhere ${sum.toFixed(0)} ms, stop ${stops.at(-1)!.toFixed(0)} ms`);
    }
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
  }
  return {
    config: config.name,
    returnToRunning: summarize(gaps),
    nowherePerRestart: summarize(nowhere),
    stop: summarize(stops),
    joinMoves,
    joinMinimum,
    leaveMoves,
    leaveMinimum,
    overlaps: ledger.findOverlaps().length,
  };
}

const mean = (values: readonly number[]): number => (values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length);

/** Runs benchmark 6 for our defaults and the baseline, adds its rows (main.ts registers it with one line). */
export async function benchRollingRestart(url: string, quick: boolean, rows: Row[], raw: Record<string, unknown>, log: (line: string) => void): Promise<void> {
  const rounds = quick ? 1 : 3;
  const results: RollingRestartResult[] = [];
  for (const config of [BALANCED, BASELINE]) {
    log(`6. rolling restart (${config.name}): ${NODES} nodes x ${SHARDS} shards, agents returning in 0.5-8 s, ${rounds} round(s)`);
    results.push(await runRollingRestart(url, config, rounds, log));
  }
  raw.rollingRestart = results;
  const [ours, base] = results as [RollingRestartResult, RollingRestartResult];
  const group = `6 rolling restart ${NODES} nodes x ${SHARDS} shards, agents 0.5-8 s`;
  rows.push(
    { group, metric: 'old agent returned -> running elsewhere median', unit: 'ms', ours: ours.returnToRunning.median, baseline: base.returnToRunning.median },
    { group, metric: 'old agent returned -> running elsewhere p99', unit: 'ms', ours: ours.returnToRunning.p99, baseline: base.returnToRunning.p99, target: '<= 150', met: ours.returnToRunning.p99 <= 150 },
    { group, metric: 'shard-nowhere time per restart median', unit: 'ms', ours: ours.nowherePerRestart.median, baseline: base.nowherePerRestart.median },
    { group, metric: 'graceful stop() worst (stopDrainTimeoutMs 5000)', unit: 'ms', ours: ours.stop.worst, baseline: base.stop.worst, target: '<= 5000 (+250 IPC)', met: ours.stop.worst <= 5_000 + 250 },
    { group, metric: 'moves per join (mean)', unit: 'n', ours: mean(ours.joinMoves), baseline: mean(base.joinMoves), target: `= ${mean(ours.joinMinimum)}`, met: ours.joinMoves.every((moves, index) => moves === ours.joinMinimum[index]) },
    { group, metric: 'moves per leave (mean)', unit: 'n', ours: mean(ours.leaveMoves), baseline: mean(base.leaveMoves), target: `= ${mean(ours.leaveMinimum).toFixed(1)}`, met: ours.leaveMoves.every((moves, index) => moves === ours.leaveMinimum[index]) },
    { group, metric: 'ledger overlaps', unit: 'n', ours: ours.overlaps, baseline: base.overlaps, target: '= 0', met: ours.overlaps === 0 },
  );
}
