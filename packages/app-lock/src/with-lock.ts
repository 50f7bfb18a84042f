import type { AppLock } from './app-lock';
import { AppLockError, LockLostError } from './errors';
import { linkSignals } from '@polecat/kit';
import type { LockId } from './lock-id';

/** Options of {@link withLock}. */
export interface WithLockOptions {
  /**
   * Abandons the attempt, or (once the lock is held) aborts the signal `fn` receives. `withLock`
   * still waits for `fn` to settle and releases the lock before it settles itself.
   */
  readonly signal?: AbortSignal;
}

/** What {@link withLock} resolves with: plain data, `acquired: false` when another owner holds the lock. */
export type WithLockResult<T> = { readonly acquired: true; readonly value: T } | { readonly acquired: false };

/**
 * Runs `fn` once while holding `id`, for singleton jobs ("only one process runs the nightly
 * report"): takes the lock without waiting, runs `fn`, releases the lock whatever happens.
 *
 * - Lock held elsewhere: resolves `{ acquired: false }` without calling `fn` (losing the race is
 *   not an error).
 * - Lock held: `fn(signal)` runs; `signal` aborts when the lock is LOST (reason: `LockLostError`)
 *   or when `options.signal` aborts. Resolves `{ acquired: true, value }` with what `fn` returned.
 * - Lock lost before `fn` settled: rejects with that `LockLostError` (even if `fn` then returned),
 *   because another owner may have run the same job meanwhile.
 * - `fn` throws while the lock is held: the lock is released and the error rejected as is.
 *
 * The owner must not hold `id` already (locks never stack, so the release at the end would drop a
 * lock taken by someone else in this process): that rejects with `INVALID_CONFIGURATION`.
 *
 * @example
 * const result = await withLock(lock, 'nightly-report', (signal) => runReport({ signal }));
 * if (!result.acquired) console.log('another process runs the report');
 */
export async function withLock<T>(
  lock: AppLock,
  id: LockId,
  fn: (signal: AbortSignal) => T | PromiseLike<T>,
  options: WithLockOptions = {},
): Promise<WithLockResult<T>> {
  options.signal?.throwIfAborted();
  if (lock.hasLock(id)) {
    throw new AppLockError('INVALID_CONFIGURATION', `withLock: lock ${String(id)} is already held by this owner; withLock would release it at the end`);
  }
  const held = await lock.tryAttainLock(id, options.signal === undefined ? {} : { signal: options.signal });
  if (!held) return { acquired: false };
  const lockSignal = lock.lockSignal(id);
  if (lockSignal === undefined) {
    // lost between the grant and now: fn never starts
    throw new LockLostError([id], 'connection-lost');
  }
  const linked = linkSignals([lockSignal, options.signal]);
  /** The loss, when the lock was lost (not released) before `fn` settled. */
  const lossWhileRunning = (): LockLostError | undefined =>
    lockSignal.aborted && LockLostError.isLockLost(lockSignal.reason) && lockSignal.reason.reason !== 'released' ? lockSignal.reason : undefined;
  try {
    let value: T;
    try {
      value = await fn(linked.signal);
    } catch (error) {
      const loss = lossWhileRunning();
      throw loss ?? error;
    }
    const loss = lossWhileRunning();
    if (loss !== undefined) throw loss;
    return { acquired: true, value };
  } finally {
    linked.unlink();
    await lock.releaseLock(id);
  }
}
