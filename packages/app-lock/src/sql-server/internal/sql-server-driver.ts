import mssql from 'mssql';
import { linkSignals } from '@polecat/kit';
import { AppLockError } from '../../errors';
import type { LockId } from '../../lock-id';
import type { LockSession, LockSessionDriver } from '../../session/lock-session';
import { lockConnectionConfig, type ParsedSqlServerConnection } from '../sql-server-connection-config';
import { mapSqlServerError } from '../sql-server-errors';
import { sqlServerResourceName } from '../sql-server-lock-key';
import { sqlServerLockTimeoutFor } from '../sql-server-lock-wait';
import { closePool, SqlServerSession, type ReleasablePool } from './sql-server-session';
import { SPID_SQL } from './sql-server-sql';

/** Settings of {@link SqlServerDriver}. */
export interface SqlServerDriverOptions {
  /** Prefix of every resource name. Default `''`. */
  readonly resourcePrefix: string;
  /** `@LockTimeout` of `sp_getapplock` in ms for single-name requests; `0` = do not wait. Batches never wait. */
  readonly lockTimeoutMs: number;
  /** How long connecting AND pinning the connection may take, in all. */
  readonly connectTimeoutMs: number;
  /** tedious' request timeout in ms. */
  readonly requestTimeoutMs: number;
  /** `APP_NAME()` of the lock sessions. */
  readonly applicationName: string;
  /**
   * Longest `@LockTimeout` of ONE `waitAcquire` batch (ms): `SessionAppLock.waitForLock` issues a
   * longer wait as several batches. Must leave `requestTimeoutMs` (tedious') above it.
   */
  readonly maxLockWaitMs: number;
}

/**
 * Opens SQL Server lock sessions: one dedicated connection each.
 *
 * Why the connection is safe to hold session locks on: mssql only exposes pooled connections, so
 * each session gets its own `ConnectionPool` capped at ONE connection, and a `PreparedStatement`
 * prepared on it keeps that connection checked out for the session's whole life (mssql: "each
 * prepared statement means one reserved connection from the pool"). A checked-out connection is
 * never reaped for idleness, never validated, never handed to anyone else and never silently
 * replaced: when it dies, requests fail instead of running on a new session without our locks.
 * Its tedious `end`/`error` events announce the death at once (`onClosed`), and every batch also
 * returns `@@SPID`, compared with the session id seen at connect, as a second line of defence.
 */
export class SqlServerDriver implements LockSessionDriver<string> {
  readonly backend = 'sqlserver';
  readonly target: string;
  readonly #config: ParsedSqlServerConnection['config'];
  readonly #options: SqlServerDriverOptions;

  constructor(connection: ParsedSqlServerConnection, options: SqlServerDriverOptions) {
    this.target = connection.target;
    this.#config = connection.config;
    this.#options = options;
  }

  toKey(id: LockId): string {
    return sqlServerResourceName(id, this.#options.resourcePrefix);
  }

  acquireWaitMs(keyCount: number): number {
    return sqlServerLockTimeoutFor(keyCount, this.#options.lockTimeoutMs);
  }

  get maxLockWaitMs(): number {
    return this.#options.maxLockWaitMs;
  }

  /**
   * Connects and pins, bounded end to end by `connectTimeoutMs` and `signal`: on either, the
   * connections are closed and the call rejects at once, whatever step (login, prepare, `@@SPID`)
   * was pending.
   */
  async connect(signal?: AbortSignal): Promise<LockSession<string>> {
    signal?.throwIfAborted();
    const linked = linkSignals([signal], this.#options.connectTimeoutMs);
    const stop = linked.signal;
    const created: mssql.Connection[] = [];
    const pool = new mssql.ConnectionPool(
      lockConnectionConfig(this.#config, {
        applicationName: this.#options.applicationName,
        requestTimeoutMs: this.#options.requestTimeoutMs,
        beforeConnect: (connection) => {
          created.push(connection);
          // Never let a tedious 'error' go unheard (an unhandled 'error' event would crash the process).
          connection.on('error', () => undefined);
        },
      }),
    ) as ReleasablePool;
    pool.on('error', () => undefined); // mssql re-emits connection errors on the pool
    const abandon = (): void => {
      for (const connection of created) if (!connection.closed) connection.close();
    };
    // Every step races the abort: a step that ignores the closed socket must not keep us waiting.
    let onStop: () => void = () => undefined;
    const stopped = new Promise<never>((_, reject) => {
      onStop = () => {
        abandon();
        reject(stop.reason);
      };
    });
    stopped.catch(() => undefined);
    stop.addEventListener('abort', onStop, { once: true });
    let inFlight: Promise<unknown> = Promise.resolve();
    const step = <T>(work: Promise<T>): Promise<T> => {
      inFlight = work.catch(() => undefined);
      return Promise.race([work, stopped]);
    };
    try {
      await step(pool.connect());
      const statement = new mssql.PreparedStatement(pool);
      await step(statement.prepare(SPID_SQL));
      const live = created.filter((c) => !c.closed);
      if (live.length !== 1 || live[0] === undefined) {
        throw new AppLockError('CONNECTION_FAILED', `SQL Server lock session to ${this.target} could not pin exactly one connection (found ${live.length})`);
      }
      const spidResult = await step(statement.execute({}));
      const spid = (spidResult.recordset?.[0] as { spid?: unknown } | undefined)?.spid;
      if (typeof spid !== 'number') throw new AppLockError('CONNECTION_FAILED', `SQL Server ${this.target} did not report a session id`);
      stop.throwIfAborted();
      return new SqlServerSession(pool, statement, live[0], spid, this.target, this.#options.lockTimeoutMs);
    } catch (error) {
      abandon();
      // After an abort or the deadline the closed connection makes the pending step fail within
      // milliseconds; only then can the pool close (mssql refuses while connecting). Bounded.
      if (stop.aborted) await Promise.race([inFlight, new Promise((resolve) => setTimeout(resolve, ABANDON_GRACE_MS).unref())]);
      await closePool(pool, created);
      if (signal?.aborted) throw signal.reason;
      if (linked.timedOut()) {
        throw new AppLockError(
          'CONNECTION_FAILED',
          `SQL Server lock session to ${this.target} was not usable within ${this.#options.connectTimeoutMs} ms (connect + pin)`,
          { cause: error },
        );
      }
      throw mapSqlServerError(error, this.target, 'connect');
    } finally {
      stop.removeEventListener('abort', onStop);
      linked.unlink();
    }
  }
}

/** How long an abandoned connect may take to unwind before its pool is closed anyway. */
const ABANDON_GRACE_MS = 2000;
