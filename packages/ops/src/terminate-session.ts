import { OpsError } from './ops-error';
import { runQuery } from './ops-schema';
import { nodeIdOfApplicationName } from './postgres-cluster-snapshot';
import type { PostgresQueryable } from './postgres-queryable';

/** What {@link terminateStrandedSession} ended. */
export interface TerminatedSession {
  readonly session: number;
  readonly applicationName: string;
  /** Advisory locks it held in this database (freed now). */
  readonly locks: number;
}

interface SessionRow {
  readonly application_name: string | null;
  readonly locks: number;
}

/**
 * Ends the PostgreSQL session `pid` (`pg_terminate_backend`) to free the advisory locks stranded on
 * it, e.g. on a pooler's server connection that a lock session went through. Refuses (`OpsError`
 * `INVALID_ARGUMENT`, nothing ended) a pid that is not a session of this database, a live node's
 * lock session (`application_name` `polecat:{nodeId}`), or a session that holds no advisory lock
 * in this database (nothing stranded there). The pooler opens a new server connection as needed.
 * @example await terminateStrandedSession(client, 31324);
 */
export async function terminateStrandedSession(db: PostgresQueryable, pid: number): Promise<TerminatedSession> {
  if (!Number.isInteger(pid) || pid <= 0) throw new OpsError('INVALID_ARGUMENT', `not a backend pid: ${String(pid)}`);
  const { rows } = await runQuery(
    db,
    `SELECT a.application_name,
            (SELECT count(*)::int FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted AND l.database = a.datid) AS locks
       FROM pg_stat_activity a
      WHERE a.pid = $1 AND a.datname = current_database()`,
    [pid],
  );
  const row = rows[0] as SessionRow | undefined;
  if (row === undefined) throw new OpsError('INVALID_ARGUMENT', `no session with pid ${pid} in this database (see \`polecat status\` for stranded locks)`);
  const applicationName = row.application_name ?? '';
  const nodeId = nodeIdOfApplicationName(applicationName);
  if (nodeId !== undefined) {
    throw new OpsError(
      'INVALID_ARGUMENT',
      `session ${pid} is the lock session of node ${nodeId} (application_name ${applicationName}): stop or drain the node instead`,
    );
  }
  if (row.locks === 0)
    throw new OpsError(
      'INVALID_ARGUMENT',
      `session ${pid} (${applicationName || 'no application_name'}) holds no advisory lock in this database: nothing stranded to free`,
    );
  const ended = await runQuery(db, 'SELECT pg_terminate_backend($1) AS ended', [pid]);
  if ((ended.rows[0] as { ended?: boolean } | undefined)?.ended !== true) {
    throw new OpsError('QUERY_FAILED', `pg_terminate_backend(${pid}) did not end the session (it may have ended already, or this role may not signal it)`);
  }
  return { session: pid, applicationName, locks: row.locks };
}
