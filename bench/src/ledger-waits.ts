import type { OwnershipLedger } from '@polecat/test-utils';
import { sleep } from './stats';

/** The time by which every shard of `affected` had started again after `since` (on a node other than `excluded`), or undefined. */
export function restartedAt(ledger: OwnershipLedger, affected: readonly string[], since: number, excluded: string | undefined): number | undefined {
  const firstStart = new Map<string, number>();
  for (const interval of ledger.intervals()) {
    if (interval.start < since || interval.node === excluded) continue;
    const current = firstStart.get(interval.shard);
    if (current === undefined || interval.start < current) firstStart.set(interval.shard, interval.start);
  }
  let latest = 0;
  for (const shard of affected) {
    const start = firstStart.get(shard);
    if (start === undefined) return undefined;
    latest = Math.max(latest, start);
  }
  return latest;
}

/** Polls `check` every 5 ms; rejects after `timeoutMs`. */
export async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(5);
  }
}
