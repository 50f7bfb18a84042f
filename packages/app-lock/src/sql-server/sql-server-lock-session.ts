import mssql from 'mssql';
import { AppLockError } from '../errors';
import { linkSignals } from '../internal/link-signals';
import type { LockId } from '../lock-id';
import type { LockSession, LockSessionDriver } from '../session/lock-session';
import { lockConnectionConfig, type ParsedSqlServerConnection } from './sql-server-config';
import { sqlServerResourceName } from './sql-server-resource-name';
import { interpretGetAppLockResult, interpretReleaseAppLockResult, isExclusiveMode, mapSqlServerError } from './sql-server-result';
import { sqlServerLockTimeoutFor } from './sql-server-lock-wait';
import { ACQUIRE_SQL, PROBE_SQL, RELEASE_SQL, SPID_SQL, VERIFY_SQL } from './sql-server-sql';

/** Settings of {@link SqlServerLockSessionDriver}. */
export interface SqlServerLockSessionDriverOptions {
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

interface Row {
  readonly idx: number;
  readonly spid: number;
  readonly rc?: number | null;
  readonly mode?: string | null;
  readonly grantable?: number | null;
}

/** `ConnectionPool.release` exists at runtime (mssql 11 and 12) but not in `@types/mssql`. */
type ReleasablePool = mssql.ConnectionPool & { release(connection: mssql.Connection): unknown };

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
export class SqlServerLockSessionDriver implements LockSessionDriver<string> {
  readonly backend = 'sqlserver';
  readonly target: string;
  readonly #config: ParsedSqlServerConnection['config'];
  readonly #options: SqlServerLockSessionDriverOptions;

  constructor(connection: ParsedSqlServerConnection, options: SqlServerLockSessionDriverOptions) {
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
      return new SqlServerLockSession(pool, statement, live[0], spid, this.target, this.#options.lockTimeoutMs);
    } catch (error) {
      abandon();
      // After an abort or the deadline the closed connection makes the pending step fail within
      // milliseconds; only then can the pool close (mssql refuses while connecting). Bounded.
      if (stop.aborted) await Promise.race([inFlight, new Promise((resolve) => setTimeout(resolve, ABANDON_GRACE_MS).unref())]);
      await closePool(pool, created);
      if (signal?.aborted) throw signal.reason;
      if (linked.timedOut()) {
        throw new AppLockError('CONNECTION_FAILED', `SQL Server lock session to ${this.target} was not usable within ${this.#options.connectTimeoutMs} ms (connect + pin)`, { cause: error });
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

/** One pinned SQL Server connection holding session-owned application locks. */
class SqlServerLockSession implements LockSession<string> {
  readonly #pool: ReleasablePool;
  readonly #statement: mssql.PreparedStatement;
  readonly #connection: mssql.Connection;
  readonly #spid: number;
  readonly #target: string;
  #closedListener: ((cause: unknown) => void) | undefined;
  #ended = false;
  #pendingCause: unknown;

  readonly #lockTimeoutMs: number;

  constructor(pool: ReleasablePool, statement: mssql.PreparedStatement, connection: mssql.Connection, spid: number, target: string, lockTimeoutMs: number) {
    this.#pool = pool;
    this.#statement = statement;
    this.#connection = connection;
    this.#spid = spid;
    this.#target = target;
    this.#lockTimeoutMs = lockTimeoutMs;
    connection.on('error', (error) => this.#announce(mapSqlServerError(error, target, 'request')));
    const ended = (): void => this.#announce(new AppLockError('CONNECTION_FAILED', `The SQL Server lock connection to ${target} (session ${spid}) closed`));
    connection.on('end', ended);
    if (connection.closed) ended(); // it died between connect and here: announced on onClosed()
  }

  /** The server session id (`@@SPID`) of this connection. */
  get spid(): number {
    return this.#spid;
  }

  async tryAcquire(keys: readonly string[]): Promise<readonly boolean[]> {
    const rows = await this.#run(ACQUIRE_SQL, keys, (request) =>
      // only a single-name request waits (see sqlServerLockTimeoutFor); a batch never does
      request.input('lockTimeout', mssql.Int, sqlServerLockTimeoutFor(keys.length, this.#lockTimeoutMs)),
    );
    return keys.map((key, index) => interpretGetAppLockResult(rowAt(rows, index).rc, key));
  }

  /**
   * ONE `sp_getapplock` batch for `key` with `@LockTimeout = waitMs` (bounded by the driver's
   * `maxLockWaitMs`, below tedious' request timeout): granted (0, or 1 "after waiting") or timed
   * out (-1). There is no `cancelWait`: a cancel (TDS attention) may only be acted on once the
   * batch ends, so an abandoned wait drops the connection instead, and callers keep waits short
   * and re-issue them.
   */
  async waitAcquire(key: string, waitMs: number): Promise<boolean> {
    const rows = await this.#run(ACQUIRE_SQL, [key], (request) => request.input('lockTimeout', mssql.Int, Math.max(0, Math.floor(waitMs))));
    return interpretGetAppLockResult(rowAt(rows, 0).rc, key);
  }

  async verify(keys: readonly string[]): Promise<readonly boolean[]> {
    const rows = await this.#run(VERIFY_SQL, keys);
    return keys.map((_, index) => isExclusiveMode(rowAt(rows, index).mode));
  }

  /** `true` where another session holds the name (`APPLOCK_TEST` = 0); this session's own locks read `false`. */
  async probe(keys: readonly string[]): Promise<readonly boolean[]> {
    const rows = await this.#run(PROBE_SQL, keys);
    return keys.map((_, index) => rowAt(rows, index).grantable === 0);
  }

  async release(keys: readonly string[]): Promise<void> {
    const rows = await this.#run(RELEASE_SQL, keys);
    keys.forEach((key, index) => interpretReleaseAppLockResult(rowAt(rows, index).rc, key));
  }

  onClosed(listener: (cause: unknown) => void): void {
    this.#closedListener = listener;
    if (this.#pendingCause !== undefined) {
      const cause = this.#pendingCause;
      this.#pendingCause = undefined;
      listener(cause);
    }
  }

  async close(): Promise<void> {
    this.#ended = true;
    await closePool(this.#pool, [this.#connection]);
  }

  destroy(): void {
    // tedious' close() destroys the socket synchronously (TDS has no goodbye message); an in-flight
    // request fails with ECLOSE. The pool is then closed in the background.
    void this.close();
  }

  async #run(sql: string, keys: readonly string[], extra?: (request: mssql.Request) => void): Promise<readonly Row[]> {
    if (keys.length === 0) return [];
    if (this.#ended) throw new AppLockError('CONNECTION_FAILED', `The SQL Server lock connection to ${this.#target} is closed`);
    const request = new mssql.Request(this.#statement);
    request.input('names', mssql.NVarChar(mssql.MAX), JSON.stringify(keys));
    extra?.(request);
    let rows: readonly Row[];
    try {
      rows = ((await request.query(sql)).recordset ?? []) as unknown as readonly Row[];
    } catch (error) {
      throw mapSqlServerError(error, this.#target, 'request');
    }
    if (rows.length !== keys.length) {
      throw new AppLockError('LOCK_REQUEST_FAILED', `SQL Server ${this.#target} answered ${rows.length} rows for ${keys.length} resources`);
    }
    const other = rows.find((row) => row.spid !== this.#spid);
    if (other !== undefined) {
      const error = new AppLockError('CONNECTION_FAILED', `The SQL Server lock connection to ${this.#target} changed session (${this.#spid} -> ${String(other.spid)}); its locks are gone`);
      this.#announce(error);
      void this.close();
      throw error;
    }
    return rows;
  }

  #announce(cause: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    const listener = this.#closedListener;
    if (listener) listener(cause);
    else this.#pendingCause = cause;
    if (!this.#connection.closed) this.#connection.close();
  }
}

function rowAt(rows: readonly Row[], index: number): Row {
  const row = rows[index];
  if (row === undefined || row.idx !== index) throw new AppLockError('LOCK_REQUEST_FAILED', `SQL Server answered rows out of order (expected index ${index})`);
  return row;
}

/** Closes a lock pool without ever throwing; releases pinned connections first so mssql does not wait for them. */
async function closePool(pool: ReleasablePool, connections: readonly mssql.Connection[]): Promise<void> {
  try {
    for (const connection of connections) {
      if (!connection.closed) connection.close();
      pool.release(connection); // a no-op for a connection that is not checked out
    }
    if (pool.connecting) return; // mssql refuses to close while connecting; the failed connect cleans up itself
    await pool.close();
  } catch {
    // nothing left to do: every connection is closed
  }
}
