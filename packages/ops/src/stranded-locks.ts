import type { LockHolder } from './cluster-snapshot';

/**
 * A lock whose holder is not a live node of the cluster: typically left on a pooler's server
 * connection (PgBouncer, RDS Proxy, Supavisor in transaction mode) by a lock session that went
 * through it, where `application_name` shows whichever client used that connection last. It blocks
 * its set for every node until the session holding it ends.
 */
export interface StrandedLock {
  /** The lock key (PostgreSQL: the signed 64-bit advisory-lock key, decimal). */
  readonly key: string;
  /** The cluster set this lock guards, when it is one. */
  readonly set?: string;
  /** The holding server session (PostgreSQL backend pid). */
  readonly session: number;
  readonly applicationName: string;
}

/** What an operator does about {@link StrandedLock}s (printed by `polecat status`). */
export const STRANDED_LOCK_ADVICE =
  'held by a session that is not a live node (a pooler server connection, a tool, or a node of another stack such as .NET): ' +
  "if it is not one of your nodes, end it with `polecat terminate <pid>` (refuses a live node's session) and connect " +
  'the nodes directly or through a session-mode pooler';

/**
 * The held locks whose holder is not a live node: no node id in its `application_name`, or the id of
 * a node with no lock session open. `setOfKey` names the cluster set of a lock key, if any (pure).
 */
export function findStrandedLocks(
  locks: ReadonlyMap<string, LockHolder>,
  liveNodeIds: ReadonlySet<string>,
  setOfKey: (key: string) => string | undefined,
): StrandedLock[] {
  const stranded: StrandedLock[] = [];
  for (const [key, holder] of locks) {
    if (holder.nodeId !== undefined && liveNodeIds.has(holder.nodeId)) continue;
    const set = setOfKey(key);
    stranded.push({ key, ...(set === undefined ? {} : { set }), session: holder.session, applicationName: holder.applicationName });
  }
  return stranded.sort((a, b) => a.session - b.session || a.key.localeCompare(b.key));
}
