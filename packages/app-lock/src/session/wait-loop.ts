import { AppLockError } from '../errors';
import { describeError } from './describe-error';
import type { LockRequest } from './held-locks';
import type { SessionParts } from './session-parts';

/**
 * The waiting requests of one `waitForLock` (run inside the owner's serial queue): one bounded
 * wait at a time (at most the driver's `maxLockWaitMs`), re-issued until `timeoutMs` is spent. An
 * abort of `signal` (the caller's, or dispose()) cancels the wait with `LockSession.cancelWait`,
 * or, without it, gives the connection up. Resolves `true` once held, `false` when the time ran out.
 */
export async function waitLoop<Key>(ctx: SessionParts<Key>, entry: LockRequest<Key>, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const { driver, clock, connection } = ctx;
  // another held id with the same backend key: never request it twice (stacking)
  if (ctx.held.keyStrings().has(String(entry.key))) return false;
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    const session = await connection.ensure(signal);
    const waitAcquire = session.waitAcquire?.bind(session);
    if (waitAcquire === undefined) throw new AppLockError('NOT_SUPPORTED', `${driver.backend} lock sessions cannot wait for a lock`);
    const remaining = Math.max(0, deadline - clock.now());
    const waitMs = Math.min(remaining, driver.maxLockWaitMs ?? remaining);
    let cancelling: Promise<void> | undefined;
    const onAbort = (): void => {
      const cancel = session.cancelWait?.bind(session);
      if (cancel === undefined) {
        if (connection.isCurrent(session)) ctx.dropSession(session, 'connection-lost', signal.reason);
        return;
      }
      cancelling = cancel().catch((error: unknown) => {
        // the cancel did not get through: the only other way to end the wait is to end the session
        ctx.logger.warn('cancelling a lock wait failed; dropping the lock connection', { backend: driver.backend, error: describeError(error) });
        if (connection.isCurrent(session)) ctx.dropSession(session, 'connection-lost', error);
      });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let granted: boolean;
    try {
      granted = await ctx.requests.send(session, () => waitAcquire(entry.key, waitMs), 'lock wait', waitMs + ctx.requestTimeoutMs);
    } catch (error) {
      if (cancelling !== undefined) await cancelling;
      if (signal.aborted) throw signal.reason;
      // Failed on the server's side (not a lost connection): a grant may have happened before
      // the failure. Ask, release, report (as after a failed batch acquire; it always throws).
      return await ctx.requests.recoverAfterFailedAcquire(session, [entry.key], error);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    // a cancel still on its way must not hit the next statement
    if (cancelling !== undefined) await cancelling;
    if (!connection.isCurrent(session)) {
      if (signal.aborted) throw signal.reason;
      throw new AppLockError('CONNECTION_FAILED', `The ${driver.backend} lock connection to ${driver.target} ended during a lock wait`);
    }
    if (granted) {
      const held = ctx.held.add(entry);
      ctx.onGranted();
      if (signal.aborted) {
        await ctx.releaseHeld([held]);
        throw signal.reason;
      }
      return true;
    }
    if (signal.aborted) throw signal.reason;
    if (remaining === 0 || clock.now() >= deadline) return false;
  }
}
