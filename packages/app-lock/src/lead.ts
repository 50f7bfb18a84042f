import type { AppLock } from './app-lock';
import { systemClock, type Clock } from './clock';
import { AppLockError, LockLostError } from './errors';
import { linkSignals } from '@polecat/kit';
import type { LockId } from './lock-id';

/** Options of {@link lead}. */
export interface LeadOptions {
  /**
   * Ends the campaign: a waiting campaign stops at once; a leader's task sees its signal abort (with
   * this signal's reason), `lead` waits for the task to settle, releases the lock and RESOLVES.
   */
  readonly signal?: AbortSignal;
  /**
   * Milliseconds between attempts while another owner leads, after a term ended (the task
   * returned), after a loss and after a retryable failure (database unreachable). Default 1000.
   * A release notice of the backend (`onReleaseNotice`: PostgreSQL, in-memory) wakes a waiting
   * campaign at once; a crashed leader's lock is found free at the next attempt.
   */
  readonly retryDelayMs?: number;
  /**
   * Told of what `lead` survives: retryable lock failures (`AppLockError` with `retryable`, e.g.
   * `CONNECTION_FAILED`), errors a task throws AFTER its lock was lost or `signal` aborted, and a
   * failed release at the end of a term. Default: ignored.
   */
  readonly onError?: (error: unknown) => void;
  /** Time source (tests inject a fake one). Default {@link systemClock}. */
  readonly clock?: Clock;
}

/** The work of a leader: runs while the lock is held; must return soon after `signal` aborts. */
export type LeaderTask = (signal: AbortSignal) => unknown;

const DEFAULT_RETRY_DELAY_MS = 1000;

/**
 * Leader election on one lock id: campaigns for `id` until `options.signal` aborts, and runs
 * `task(signal)` each time this owner becomes the leader (a "term"). At most one owner in the
 * cluster runs the task at a time, as long as tasks return once their signal aborts.
 *
 * - Campaign: `tryAttainLock(id)` every `retryDelayMs` (sooner on a release notice). Never waits on
 *   the server, so the owner's connection stays free for other calls.
 * - Term: `task(signal)` runs. `signal` aborts when the lock is LOST (reason: `LockLostError`, e.g.
 *   the session was killed, the connection broke, verification failed) or when `options.signal`
 *   aborts. After a loss, `lead` waits for the task to settle and campaigns again (the owner
 *   reconnects on its next attempt); another owner may lead meanwhile.
 * - The task returns while still leading: the term is over; the lock is released (another owner
 *   may take it) and the campaign resumes after `retryDelayMs`.
 * - The task throws while still leading: the lock is released and `lead` rejects with the error.
 * - A lock failure that is not retryable (e.g. `DISPOSED`, `UNSAFE_CONNECTION`) rejects `lead`.
 *
 * When the leader's PROCESS dies, its database session ends with its socket and the lock is free:
 * the next campaigner takes it within `retryDelayMs` (plus the server noticing the closed socket).
 *
 * @example
 * const stop = new AbortController();
 * process.once('SIGTERM', () => stop.abort());
 * await lead(lock, 'billing-scheduler', async (signal) => {
 *   while (!signal.aborted) await scheduleDueInvoices({ signal });
 * }, { signal: stop.signal });
 */
export async function lead(lock: AppLock, id: LockId, task: LeaderTask, options: LeadOptions = {}): Promise<void> {
  const { signal, clock = systemClock, onError } = options;
  const retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  if (!Number.isFinite(retryDelayMs) || retryDelayMs < 0) {
    throw new AppLockError('INVALID_CONFIGURATION', `lead: retryDelayMs must be a finite number >= 0 (got ${String(retryDelayMs)})`);
  }
  if (lock.hasLock(id)) {
    throw new AppLockError('INVALID_CONFIGURATION', `lead: lock ${String(id)} is already held by this owner; lead releases it when a term ends`);
  }
  /** Whether the campaign was ended (a function: TypeScript would keep a narrowed `signal.aborted`). */
  const stopped = (): boolean => signal?.aborted === true;
  let wake = new AbortController();
  const stopListening = lock.onReleaseNotice?.(() => wake.abort()) ?? ((): void => undefined);
  /** Sleeps `retryDelayMs`, or less on a release notice or an abort; never rejects. */
  const pause = async (): Promise<void> => {
    const linked = linkSignals([signal, wake.signal]);
    try {
      await clock.sleep(retryDelayMs, linked.signal);
    } catch {
      // woken: a release notice or the end of the campaign
    } finally {
      linked.unlink();
      if (wake.signal.aborted) wake = new AbortController();
    }
  };
  try {
    while (!stopped()) {
      let held: boolean;
      try {
        held = await lock.tryAttainLock(id, signal === undefined ? {} : { signal });
      } catch (error) {
        if (stopped()) return;
        if (!(AppLockError.is(error) && error.retryable)) throw error;
        onError?.(error);
        await pause();
        continue;
      }
      if (held) await serveTerm(lock, id, task, signal, onError);
      if (!stopped()) await pause();
    }
  } finally {
    stopListening();
  }
}

/** One term: runs the task while `id` is held, then releases it. Resolves when the term is over. */
async function serveTerm(
  lock: AppLock,
  id: LockId,
  task: LeaderTask,
  signal: AbortSignal | undefined,
  onError: ((error: unknown) => void) | undefined,
): Promise<void> {
  const lockSignal = lock.lockSignal(id);
  if (lockSignal === undefined) return; // lost between the grant and now
  const linked = linkSignals([lockSignal, signal]);
  const lost = (): boolean => lockSignal.aborted && LockLostError.isLockLost(lockSignal.reason) && lockSignal.reason.reason !== 'released';
  try {
    await task(linked.signal);
  } catch (error) {
    if (!lost() && signal?.aborted !== true) throw error;
    onError?.(error);
  } finally {
    linked.unlink();
    await lock.releaseLock(id).catch((error: unknown) => onError?.(error));
  }
}
