import { preciseNow } from '@polecat/test-utils';
import type { BenchConfig } from '../configs';
import { summarize, type Summary } from '../stats';
import { DEFAULT_STOP_DRAIN_TIMEOUT_MS, SLOW_NODES, SLOW_SHARDS } from './graceful-stop';
import { handOvers, minimumMoves, movesBetween, nowhereMs } from './ledger-moves';
import { SlowCluster } from './slow-cluster';

/** Row 6b, one config: a rolling restart of 4 nodes (new process first, then SIGTERM the old) with agents taking 0.5-8 s to return. */
export interface SlowRollingRestartResult {
  readonly config: BenchConfig['name'];
  readonly restarts: number;
  /** Per moved shard (joins and leaves): its old agent's return -> the shard running on another node. */
  readonly returnToElsewhere: Summary;
  /** Per restart: sum over the shards of the time each ran on no node (new process started -> settled after the old one left). */
  readonly nowhereMs: Summary;
  /** Per join: shards moved, and the fewest the fair share needs (summed over the joins). */
  readonly joinMoves: number;
  readonly joinMinimum: number;
  /** Per leave: shards moved, and the fewest the fair share needs (summed over the leaves). */
  readonly leaveMoves: number;
  readonly leaveMinimum: number;
  /** The most moves above the minimum in any one change. */
  readonly worstExcessMoves: number;
  /** Per SIGTERM: its `coordinator.stop()` duration. */
  readonly stopDuration: Summary;
  readonly stopDrainTimeoutMs: number;
  readonly overlaps: number;
}

/** 4 nodes x 16 shards; each original node in turn: start a new process, wait until settled, SIGTERM the old one, wait until settled. */
export async function runSlowRollingRestart(url: string, config: BenchConfig, log: (line: string) => void): Promise<SlowRollingRestartResult> {
  const cluster = new SlowCluster(url, config, SLOW_SHARDS);
  const returnToElsewhere: number[] = [];
  const nowhere: number[] = [];
  const stopDurations: number[] = [];
  const moves = { join: 0, joinMinimum: 0, leave: 0, leaveMinimum: 0, worstExcess: 0 };
  try {
    for (let i = 0; i < SLOW_NODES; i += 1) await cluster.spawn();
    await cluster.settled('rolling restart: start');
    const originals = [...cluster.nodes];
    for (const [round, old] of originals.entries()) {
      const joinAt = preciseNow();
      const beforeJoin = cluster.counts();
      const joined = await cluster.spawn();
      await cluster.settled(`restart ${round + 1}: after ${joined.id} joined`);
      const beforeLeave = cluster.counts();
      const { at: leaveAt, stopMs } = await cluster.stopNode(old);
      stopDurations.push(stopMs);
      await cluster.settled(`restart ${round + 1}: after ${old.id} left`);
      const end = preciseNow();
      const join = movesBetween(cluster.ledger, joinAt, leaveAt);
      const joinMinimum = minimumMoves(new Map([...beforeJoin, [joined.id, 0]]), [...beforeJoin.keys(), joined.id]);
      const leave = movesBetween(cluster.ledger, leaveAt, end);
      const leaveMinimum = minimumMoves(
        beforeLeave,
        [...beforeLeave.keys()].filter((id) => id !== old.id),
      );
      moves.join += join;
      moves.joinMinimum += joinMinimum;
      moves.leave += leave;
      moves.leaveMinimum += leaveMinimum;
      moves.worstExcess = Math.max(moves.worstExcess, join - joinMinimum, leave - leaveMinimum);
      const moved = handOvers(cluster.ledger, joinAt, end);
      returnToElsewhere.push(...moved.map((move) => move.elsewhere - move.returned));
      nowhere.push(nowhereMs(cluster.ledger, cluster.shardKeys, joinAt, end));
      log(
        `  ${config.name} restart ${round + 1}/${originals.length}: join moved ${join} (min ${joinMinimum}), leave moved ${leave} (min ${leaveMinimum}), nowhere ${nowhere.at(-1)!.toFixed(0)} ms, stop() ${stopMs.toFixed(0)} ms`,
      );
    }
  } finally {
    await cluster.close();
  }
  return {
    config: config.name,
    restarts: stopDurations.length,
    returnToElsewhere: summarize(returnToElsewhere),
    nowhereMs: summarize(nowhere),
    joinMoves: moves.join,
    joinMinimum: moves.joinMinimum,
    leaveMoves: moves.leave,
    leaveMinimum: moves.leaveMinimum,
    worstExcessMoves: moves.worstExcess,
    stopDuration: summarize(stopDurations),
    stopDrainTimeoutMs: Number(config.coordinator.stopDrainTimeoutMs ?? DEFAULT_STOP_DRAIN_TIMEOUT_MS),
    overlaps: cluster.ledger.findOverlaps().length,
  };
}
