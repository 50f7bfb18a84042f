import type { LockId } from '../lock-id';
import type { BatchChunker } from './batch-chunker';
import type { HeldLock, LockRequest } from './held-locks';
import type { LockSession } from './lock-session';
import type { SessionParts } from './session-parts';

/**
 * The body of `tryAttainLocks` (run inside the owner's serial queue): ids held already cost
 * nothing, the others are asked for in as few round trips as keep each well inside the request
 * timeout (one for a batch that fits; chunks sized by measured time, see `batch-chunker.ts`), never
 * a key twice (no stacking). A failed request is recovered (nothing granted is leaked) and the ids
 * this call got in earlier round trips are given back; a grant that raced an abort of `signal` is
 * released before rejecting with its reason. Resolves with the ids held afterwards.
 */
export async function acquireBatch<Key>(
  ctx: SessionParts<Key>,
  requested: readonly LockRequest<Key>[],
  signal: AbortSignal | undefined,
): Promise<ReadonlySet<LockId>> {
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
  const chunker = requests.chunkers.of('acquire');
  const newlyHeld: HeldLock<Key>[] = [];
  let rest: readonly LockRequest<Key>[] = wanted;
  while (rest.length > 0 && signal?.aborted !== true) {
    const { chunk, rest: after } = chunker.take(rest);
    rest = after;
    let granted: readonly boolean[];
    try {
      granted = await acquireChunk(ctx, session, chunk, chunker);
    } catch (error) {
      // a rejected call leaves nothing new held (a dead connection lost them already)
      if (newlyHeld.length > 0 && connection.isCurrent(session)) await ctx.releaseHeld(newlyHeld);
      throw error;
    }
    if (!connection.isCurrent(session)) {
      // The connection died meanwhile: nothing it granted survives, and neither did the ids that
      // were held before this call (they were marked lost). Return only what is still held.
      return new Set([...result].filter((id) => held.has(id)));
    }
    chunk.forEach((w, index) => {
      if (granted[index] !== true) return;
      newlyHeld.push(held.add(w));
      result.add(w.id);
    });
  }
  if (newlyHeld.length > 0) ctx.onGranted();
  if (signal?.aborted && newlyHeld.length > 0) {
    await ctx.releaseHeld(newlyHeld);
    throw signal.reason;
  }
  return result;
}

/** One round trip for `chunk`, timed for `chunker` unless the server may wait in it on purpose. */
async function acquireChunk<Key>(
  ctx: SessionParts<Key>,
  session: LockSession<Key>,
  chunk: readonly LockRequest<Key>[],
  chunker: BatchChunker,
): Promise<readonly boolean[]> {
  const keys = chunk.map((w) => w.key);
  const waitMs = ctx.driver.acquireWaitMs?.(keys.length) ?? 0;
  const started = ctx.clock.now();
  try {
    const granted = await ctx.requests.send(session, () => session.tryAcquire(keys), 'lock request', ctx.requestTimeoutMs + waitMs);
    if (waitMs === 0) chunker.record(keys.length, ctx.clock.now() - started);
    return granted;
  } catch (error) {
    return ctx.requests.recoverAfterFailedAcquire(session, keys, error);
  }
}
