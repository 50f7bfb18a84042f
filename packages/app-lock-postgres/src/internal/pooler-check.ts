import pg from 'pg';
import { AppLockError } from '@polecat/app-lock';
import { destroyClient } from './postgres-session';

/**
 * Refuses a lock connection whose server session is handed to other clients between statements
 * (a pooler in transaction or statement mode: PgBouncer, RDS Proxy, Odyssey, ...).
 *
 * A direct connection reports its real backend pid in the start-up handshake (BackendKeyData), so
 * `reportedPid === backendPid` and nothing more is asked. A pooler answers the handshake itself
 * with a pid of its own: then a SECOND client connects with the same settings while the lock
 * connection is idle and asks `pg_backend_pid()`. Under session pooling the lock connection keeps
 * its server session, so the second client gets another one; under transaction or statement
 * pooling the idle lock connection has no server session of its own, and the pooler hands the one
 * it just used (PgBouncer reuses the most recently used server connection first) to the second
 * client: the same pid proves the lock's session would be shared. Under load the pooler may pick
 * another server connection; the lock session then still checks the pid of every statement
 * (`PostgresSession`) and refuses as soon as it moves.
 *
 * A second client that cannot connect (pool full, auth) is inconclusive and ignored.
 */
export async function assertDedicatedSession(
  config: pg.ClientConfig,
  backendPid: number,
  reportedPid: number | undefined,
  target: string,
  signal: AbortSignal,
): Promise<void> {
  if (reportedPid === backendPid) return;
  const probe = new pg.Client(config);
  probe.on('error', () => undefined);
  const onAbort = (): void => destroyClient(probe);
  signal.addEventListener('abort', onAbort, { once: true });
  let probePid: number | undefined;
  try {
    await probe.connect();
    const result = await probe.query<{ pid: number }>('select pg_backend_pid() as pid');
    probePid = result.rows[0]?.pid;
  } catch {
    if (signal.aborted) throw signal.reason;
    return; // inconclusive
  } finally {
    signal.removeEventListener('abort', onAbort);
    destroyClient(probe);
  }
  signal.throwIfAborted();
  if (probePid === backendPid) {
    throw new AppLockError(
      'UNSAFE_CONNECTION',
      `The PostgreSQL lock connection to ${target} goes through a pooler in transaction or statement mode: another client was handed ` +
        `the same server session (backend pid ${backendPid}) while the lock connection was idle, so session locks would leak to other ` +
        'clients or vanish. Connect the lock directly to PostgreSQL, or through a pool in session mode (PgBouncer pool_mode = session).',
    );
  }
}
