import type { LedgerInterval, OwnershipLedger } from '@polecat/test-utils';

/** Shard keys (`database/shard`) running on `node` now, according to the ledger. */
export function openShards(ledger: OwnershipLedger, node: string): string[] {
  return ledger
    .intervals()
    .filter((interval) => interval.node === node && interval.stop === undefined)
    .map((interval) => interval.shard);
}

/**
 * Shard keys `node` ran at `at`, read from the ledger AFTER the fact: events are stamped when they
 * happened but reach the parent later, so a set handed over just before a fault may still look
 * owned in `ownedShards()` at the fault; the ledger, read later, knows it had stopped.
 */
export function runningAt(ledger: OwnershipLedger, node: string, at: number): string[] {
  return ledger
    .intervals()
    .filter((interval) => interval.node === node && interval.start <= at && (interval.stop === undefined || interval.stop >= at))
    .map((interval) => interval.shard);
}

/** For every shard: how many nodes run it now (open intervals). */
export function runnersByShard(ledger: OwnershipLedger): Map<string, string[]> {
  const runners = new Map<string, string[]>();
  for (const interval of ledger.intervals()) {
    if (interval.stop !== undefined) continue;
    runners.set(interval.shard, [...(runners.get(interval.shard) ?? []), interval.node]);
  }
  return runners;
}

/** One affected shard after a fault: when the victim stopped it and when the next run (any node) started. */
export interface Handover {
  readonly shard: string;
  readonly stoppedAt: number;
  readonly nextStart: LedgerInterval;
}

/**
 * For each of `shards` (run by `victim` when the fault happened at `faultAt`): the victim's
 * interval covering `faultAt` and the first interval of the shard that started after it.
 * Throws when either is missing (the shard was not stopped, or never started again).
 */
export function handovers(ledger: OwnershipLedger, victim: string, shards: readonly string[], faultAt: number): Handover[] {
  const all = ledger.intervals();
  return shards.map((shard) => {
    const own = all.find((i) => i.shard === shard && i.node === victim && i.start <= faultAt && (i.stop === undefined || i.stop >= faultAt));
    if (own === undefined || own.stop === undefined) throw new Error(`${victim} never stopped ${shard} after the fault`);
    const next = all.filter((i) => i.shard === shard && i !== own && i.start >= own.start).sort((a, b) => a.start - b.start)[0];
    if (next === undefined) throw new Error(`${shard} was not started again after ${victim} stopped it`);
    return { shard, stoppedAt: own.stop, nextStart: next };
  });
}
