import { AppLockError } from '../errors';
import type { LockId } from '../lock-id';
import type { LockRequest } from './held-locks';
import type { SessionParts } from './session-parts';

/**
 * The body of `probeLocks` (run inside the owner's serial queue): which of `requested` any
 * session holds now. Ids held here are answered locally, the rest in as few round trips as keep
 * each inside the request timeout (none when every id is held here).
 * @throws AppLockError `NOT_SUPPORTED` when the backend's session has no `probe`.
 */
export async function probeRequests<Key>(
  parts: SessionParts<Key>,
  requested: readonly LockRequest<Key>[],
  signal: AbortSignal | undefined,
): Promise<ReadonlySet<LockId>> {
  const result = new Set<LockId>();
  const asked = requested.filter((entry) => {
    if (!parts.held.hasRequest(entry)) return true;
    result.add(entry.id);
    return false;
  });
  if (asked.length === 0) return result;
  const session = await parts.connection.ensure(signal);
  const probe = session.probe?.bind(session);
  if (probe === undefined) throw new AppLockError('NOT_SUPPORTED', `${parts.driver.backend} lock sessions cannot probe locks`);
  const keys = asked.map((entry) => entry.key);
  const held = await parts.requests.sendInChunks(session, keys, 'probe', probe, 'lock probe');
  asked.forEach((entry, index) => {
    if (held[index] === true) result.add(entry.id);
  });
  return result;
}
