import type { LockId } from '../lock-id';
import { LockLostError } from '../errors';
import { describeError } from './describe-error';
import type { HeldLock } from './held-locks';
import type { SessionParts } from './session-parts';

/**
 * Verifies every held id in bounded round trips (run inside the owner's serial queue). Ids the
 * server no longer holds are marked lost (`verification-failed`) and returned. A round trip that
 * fails drops the session: unverifiable means untrustworthy, and the server frees whatever it still
 * held rather than agents running on a belief.
 */
export async function verifyHeldLocks<Key>(parts: SessionParts<Key>): Promise<readonly LockId[]> {
  const held = parts.held.entries();
  const session = parts.connection.current;
  if (held.length === 0 || session === undefined) return [];
  let stillHeld: readonly boolean[];
  try {
    stillHeld = await parts.requests.sendInChunks(
      session,
      held.map((h) => h.key),
      'verify',
      (keys) => session.verify(keys),
      'lock verification',
    );
  } catch (error) {
    if (parts.connection.isCurrent(session)) parts.dropSession(session, 'connection-lost', error);
    throw error;
  }
  const missing = held.filter((h, index) => stillHeld[index] !== true && parts.held.isCurrent(h));
  if (missing.length > 0) parts.markLost(missing, 'verification-failed', undefined);
  return missing.map((h) => h.id);
}

/**
 * Releases `entries` that are still current (run inside the owner's serial queue): they leave the
 * registry and their signals abort (`released`) before the round trip; `reason` travels with the
 * release notice where the backend sends one. A failed release drops the session, the only way to
 * be sure the server does not keep them.
 */
export async function releaseHeldLocks<Key>(parts: SessionParts<Key>, entries: readonly HeldLock<Key>[], reason?: string): Promise<void> {
  const current = entries.filter((h) => parts.held.isCurrent(h));
  if (current.length === 0) return;
  parts.held.remove(current);
  const released = new LockLostError(
    current.map((h) => h.id),
    'released',
  );
  for (const h of current) h.controller?.abort(released);
  const session = parts.connection.current;
  if (session === undefined) return;
  try {
    await parts.requests.sendInChunks(
      session,
      current.map((h) => h.key),
      'release',
      async (keys) => {
        await session.release(keys, reason);
        return [];
      },
      'lock release',
    );
  } catch (error) {
    parts.logger.warn('lock release failed; dropping the lock connection so the server frees the locks', {
      backend: parts.driver.backend,
      ids: current.map((h) => h.id),
      error: describeError(error),
    });
    parts.dropSession(session, 'connection-lost', error);
  }
}
