import type { LockId } from '../lock-id';
import type { HeldLock, LockRequest } from './held-locks';
import type { SessionParts } from './session-parts';

/**
 * The body of `tryAttainLocks` (run inside the owner's serial queue): ids held already cost
 * nothing, the others are asked for in ONE round trip (never a key twice: no stacking), a failed
 * request is recovered (nothing granted is leaked), and a grant that raced an abort of `signal`
 * is released before rejecting with its reason. Resolves with the ids held afterwards.
 */
export async function acquireBatch<Key>(ctx: SessionParts<Key>, requested: readonly LockRequest<Key>[], signal: AbortSignal | undefined): Promise<ReadonlySet<LockId>> {
  const { held, connection, requests } = ctx;
  const result = new Set<LockId>();
  const wanted: LockRequest<Key>[] = [];
  const heldKeys = held.keyStrings();
  for (const entry of requested) {
    if (held.hasRequest(entry)) result.add(entry.id);
    // Two ids the backend maps to one key (e.g. 5 and "5" on SQL Server with no prefix): the
    // resource is taken, by this session, under the other id. Never request it twice (stacking).
    else if (!heldKeys.has(String(entry.key))) {
      heldKeys.add(String(entry.key));
      wanted.push(entry);
    }
  }
  if (wanted.length === 0) return result;
  const session = await connection.ensure(signal);
  const keys = wanted.map((w) => w.key);
  const budgetMs = ctx.requestTimeoutMs + (ctx.driver.acquireWaitMs?.(keys.length) ?? 0);
  let granted: readonly boolean[];
  try {
    granted = await requests.send(session, () => session.tryAcquire(keys), 'lock request', budgetMs);
  } catch (error) {
    granted = await requests.recoverAfterFailedAcquire(session, keys, error);
  }
  if (!connection.isCurrent(session)) {
    // The connection died meanwhile: nothing it granted survives, and neither did the ids that
    // were held before this call (they were marked lost). Return only what is still held.
    return new Set([...result].filter((id) => held.has(id)));
  }
  const newlyHeld: HeldLock<Key>[] = [];
  wanted.forEach((w, index) => {
    if (granted[index] !== true) return;
    newlyHeld.push(held.add(w));
    result.add(w.id);
  });
  if (newlyHeld.length > 0) ctx.onGranted();
  if (signal?.aborted && newlyHeld.length > 0) {
    await ctx.releaseHeld(newlyHeld);
    throw signal.reason;
  }
  return result;
}
