import pg from 'pg';
import { destroyClient } from './postgres-session';
import { SESSION_USED_SQL, WHO_AM_I_SQL } from './lock-sql';
import { unsafeConnection } from './postgres-errors';

/** Rounds of the pooler proof: each one more chance for a transaction pooler to show itself. */
export const POOLER_PROOF_ROUNDS = 3;

/**
 * Proves that the lock connection `client` has a server session of its own before anything
 * changes that session, and returns its backend pid. Nothing here sets, listens or locks.
 *
 * A direct connection reports its real backend pid in the start-up handshake (BackendKeyData):
 * `reportedPid === pg_backend_pid()`, proven in one round trip. A pooler answers the handshake with
 * a pid of its own: then {@link POOLER_PROOF_ROUNDS} rounds of (1) the lock connection asks
 * `pg_backend_pid()` (it must not change between rounds) and (2) a SECOND client with the same
 * settings asks for the pid it was given and whether the lock's backend ran anything since (1)
 * (`pg_stat_activity`). Under session pooling the lock's server session is its own: the second
 * client gets another one and the lock's stays idle. Under transaction or statement pooling the
 * idle lock connection has no server session: the pooler hands the one it just used to the next
 * client, the second client (PgBouncer reuses the most recently used one first) or a busy
 * client (which shows in `pg_stat_activity`). Either refuses the connection with
 * `UNSAFE_CONNECTION`.
 *
 * A second client that gets no answer (pool exhausted, auth) is NOT a proof: the connection is
 * refused with a retryable `CONNECTION_FAILED` (a session-mode pool needs one spare server
 * connection while a lock connects). Bounded by `signal`.
 */
export async function proveDedicatedSession(client: pg.Client, config: pg.ClientConfig, target: string, signal: AbortSignal): Promise<number> {
  const first = await whoAmI(client);
  const reportedPid = (client as unknown as { processID?: number | null }).processID ?? undefined;
  if (reportedPid === first.pid) return first.pid;
  signal.throwIfAborted();
  const probe = new pg.Client(config);
  probe.on('error', () => undefined);
  const onAbort = (): void => destroyClient(probe);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    try {
      await probe.connect();
    } catch (error) {
      signal.throwIfAborted();
      throw unsafeConnection('unproven', target, `the check's second connection failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    let since = first.at;
    for (let round = 1; round <= POOLER_PROOF_ROUNDS; round++) {
      if (round > 1) {
        const again = await whoAmI(client);
        if (again.pid !== first.pid)
          throw unsafeConnection('pooled', target, `two statements of the lock connection ran on server sessions ${first.pid} and ${again.pid}`);
        since = again.at;
      }
      signal.throwIfAborted();
      let answer: { pid: number; used: boolean } | undefined;
      try {
        answer = (await probe.query<{ pid: number; used: boolean }>(SESSION_USED_SQL, [first.pid, since])).rows[0];
      } catch (error) {
        signal.throwIfAborted();
        throw unsafeConnection('unproven', target, `the check's second connection got no answer: ${error instanceof Error ? error.message : String(error)}`);
      }
      signal.throwIfAborted();
      if (answer === undefined) throw unsafeConnection('unproven', target, 'the check got no row');
      if (Number(answer.pid) === first.pid) {
        throw unsafeConnection(
          'pooled',
          target,
          `another client was handed the same server session (backend pid ${first.pid}) while the lock connection was idle`,
        );
      }
      if (answer.used) {
        throw unsafeConnection(
          'pooled',
          target,
          `its server session (backend pid ${first.pid}) ran another client's statement while the lock connection was idle`,
        );
      }
    }
    return first.pid;
  } finally {
    signal.removeEventListener('abort', onAbort);
    destroyClient(probe);
  }
}

async function whoAmI(client: pg.Client): Promise<{ pid: number; at: string }> {
  const row = (await client.query<{ pid: number; at: string }>(WHO_AM_I_SQL)).rows[0];
  if (row === undefined || typeof row.pid !== 'number') throw new Error('PostgreSQL did not report a backend pid');
  return { pid: row.pid, at: row.at };
}
