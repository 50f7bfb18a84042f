import mssql from 'mssql';
import { AppLockError } from '../../errors';
import type { LockSession } from '../../session/lock-session';
import { interpretGetAppLockResult, interpretReleaseAppLockResult, isExclusiveMode, mapSqlServerError } from '../sql-server-errors';
import { sqlServerLockTimeoutFor } from '../sql-server-lock-wait';
import { ACQUIRE_SQL, PROBE_SQL, RELEASE_SQL, VERIFY_SQL } from './sql-server-sql';

/** `ConnectionPool.release` exists at runtime (mssql 11 and 12) but not in `@types/mssql`. */
export type ReleasablePool = mssql.ConnectionPool & { release(connection: mssql.Connection): unknown };

interface Row {
  readonly idx: number;
  readonly spid: number;
  readonly rc?: number | null;
  readonly mode?: string | null;
  readonly grantable?: number | null;
}

/** One pinned SQL Server connection holding session-owned application locks. */
export class SqlServerSession implements LockSession<string> {
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
      const error = new AppLockError(
        'CONNECTION_FAILED',
        `The SQL Server lock connection to ${this.#target} changed session (${this.#spid} -> ${String(other.spid)}); its locks are gone`,
      );
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
export async function closePool(pool: ReleasablePool, connections: readonly mssql.Connection[]): Promise<void> {
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
