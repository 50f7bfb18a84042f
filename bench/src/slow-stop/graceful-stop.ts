import type { BenchConfig } from '../configs';
import { restartedAt } from '../ledger-waits';
import { sleep, summarize, type Summary } from '../stats';
import { handOvers } from './ledger-moves';
import { SlowCluster } from './slow-cluster';

/** Node processes and shards of the slow-agent rows (4 x 16: each node runs 4). */
export const SLOW_NODES = 4;
export const SLOW_SHARDS = 16;

/** Row 6a, one config: graceful stops (SIGTERM) of an owner while every agent takes 0.5-8 s to return. */
export interface SlowGracefulStopResult {
  readonly config: BenchConfig['name'];
  readonly stops: number;
  /** Per moved shard: its old agent's return -> the shard running on another node. */
  readonly returnToElsewhere: Summary;
  /** Per moved shard: SIGTERM -> the shard running on another node. */
  readonly signalToElsewhere: Summary;
  /** Per stop: SIGTERM -> the stopped node's `coordinator.stop()` resolved. */
  readonly stopDuration: Summary;
  readonly stopDrainTimeoutMs: number;
  readonly overlaps: number;
}

/** Default `stopDrainTimeoutMs` of the coordinator (the configs here do not change it). */
export const DEFAULT_STOP_DRAIN_TIMEOUT_MS = 5000;

/**
 * 4 nodes x 16 shards; `stops` times: wait until settled, SIGTERM the node running most, wait until
 * each of its shards runs elsewhere, start a replacement.
 */
export async function runSlowGracefulStop(url: string, config: BenchConfig, stops: number, log: (line: string) => void): Promise<SlowGracefulStopResult> {
  const cluster = new SlowCluster(url, config, SLOW_SHARDS);
  const returnToElsewhere: number[] = [];
  const signalToElsewhere: number[] = [];
  const stopDurations: number[] = [];
  try {
    for (let i = 0; i < SLOW_NODES; i += 1) await cluster.spawn();
    for (let trial = 0; trial < stops; trial += 1) {
      await cluster.settled(`graceful stop ${trial + 1}: before`);
      await sleep(100 + Math.random() * 400); // random phase against the standbys' polls
      const victim = [...cluster.nodes].sort((a, b) => b.ownedShards('main').size - a.ownedShards('main').size)[0]!;
      const affected = [...victim.ownedShards('main')].map((shard) => `main/${shard}`);
      const { at, stopMs } = await cluster.stopNode(victim);
      stopDurations.push(stopMs);
      await cluster.settled(`graceful stop ${trial + 1}: after`);
      if (restartedAt(cluster.ledger, affected, at, victim.id) === undefined) throw new Error(`${config.name}: shards of ${victim.id} not running elsewhere`);
      for (const shard of affected) {
        const start = cluster.ledger
          .intervals()
          .filter((interval) => interval.shard === shard && interval.node !== victim.id && interval.start >= at)
          .reduce((first, interval) => Math.min(first, interval.start), Number.POSITIVE_INFINITY);
        signalToElsewhere.push(start - at);
      }
      const moved = handOvers(cluster.ledger, at, Number.POSITIVE_INFINITY).filter((move) => move.from === victim.id);
      returnToElsewhere.push(...moved.map((move) => move.elsewhere - move.returned));
      log(`  ${config.name} graceful stop ${trial + 1}/${stops}: ${affected.length} shards moved, stop() ${stopMs.toFixed(0)} ms`);
      await cluster.spawn();
    }
    await cluster.settled('graceful stops: end');
  } finally {
    await cluster.close();
  }
  return {
    config: config.name,
    stops,
    returnToElsewhere: summarize(returnToElsewhere),
    signalToElsewhere: summarize(signalToElsewhere),
    stopDuration: summarize(stopDurations),
    stopDrainTimeoutMs: Number(config.coordinator.stopDrainTimeoutMs ?? DEFAULT_STOP_DRAIN_TIMEOUT_MS),
    overlaps: cluster.ledger.findOverlaps().length,
  };
}
