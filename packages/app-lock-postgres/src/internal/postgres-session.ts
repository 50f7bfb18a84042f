import type pg from 'pg';
import { AppLockError, type LockSession } from '@polecat/app-lock';

/**
 * Tries each key, in order; one statement, one row: the backend pid (see {@link PostgresSession})
 * and the GRANTED positions (1-based) as one array: a standby polling 10 000 taken keys every
 * 500 ms parses an empty array instead of 10 000 rows. The filter evaluates `pg_try_advisory_lock`
 * for every key, in `unnest` order.
 */
const TRY_ACQUIRE_SQL =
  'select pg_backend_pid() as pid, array(select t.n from unnest($1::bigint[]) with ordinality as t(k, n) where pg_try_advisory_lock(t.k)) as n';

/**
 * The positions (1-based) of the keys this backend does NOT hold, as one array, and the backend
 * pid; one statement, one row. Only missing keys come back, so verifying 10 000 held keys returns
 * an empty array. A session-level bigint advisory lock appears in pg_locks with the high 32 bits
 * in `classid`, the low 32 bits in `objid` and `objsubid = 1` (the two-int4 form uses
 * `objsubid = 2`, not ours).
 *
 * Written as `k not in (uncorrelated subquery)` so PostgreSQL builds ONE hashed SubPlan over
 * pg_locks: the planner estimates pg_locks at 1 row, so a join form gets a nested loop that
 * compares every key with every lock (measured: 10 000 keys x 10 000 locks = 7.5 s; this: 19 ms).
 * The subquery never yields NULL (classid and objid are set for advisory locks), so NOT IN is exact.
 */
const VERIFY_MISSING_SQL = `select pg_backend_pid() as pid, array(
  select t.n
  from unnest($1::bigint[]) with ordinality as t(k, n)
  where t.k not in (
    select (l.classid::bigint << 32) | l.objid::bigint
    from pg_locks l
    where l.locktype = 'advisory' and l.pid = pg_backend_pid() and l.granted and l.objsubid = 1
  )
) as n`;

/**
 * Whether ANY backend (this one included) holds each key as a granted session-level bigint
 * advisory lock in the CURRENT database (pg_locks lists every database of the cluster); one
 * statement, one row: the backend pid and the HELD positions (1-based) as one array (a probe of a
 * lock home sends hundreds of keys every cycle; one row per key cost the client a parse per key).
 * The same hashed SubPlan over pg_locks as {@link VERIFY_MISSING_SQL}.
 */
const PROBE_SQL = `select pg_backend_pid() as pid, array(
  select t.n
  from unnest($1::bigint[]) with ordinality as t(k, n)
  where t.k in (
    select (l.classid::bigint << 32) | l.objid::bigint
    from pg_locks l
    where l.locktype = 'advisory' and l.granted and l.objsubid = 1
      and l.database = (select d.oid from pg_database d where d.datname = current_database())
  )
) as n`;

/**
 * Waits for ONE key (`pg_advisory_lock`, session level) at most `$2` ms: `lock_timeout` is set
 * with `set_config(..., true)`, i.e. for this statement's implicit transaction only (no later
 * statement of the session inherits it); the subquery (`offset 0`: evaluated first, never
 * flattened) applies it before the lock is requested. Times out with SQLSTATE 55P03. A session
 * advisory lock granted inside the statement outlives its transaction.
 */
const WAIT_ACQUIRE_SQL = `select pg_backend_pid() as pid, pg_advisory_lock(s.k) is not null as granted
from (select $1::bigint as k, set_config('lock_timeout', $2::text, true) as t offset 0) s
where s.t is not null`;

/** `lock_not_available`: the `lock_timeout` of {@link WAIT_ACQUIRE_SQL} expired. */
const LOCK_NOT_AVAILABLE = '55P03';
/** `query_canceled`: `cancelWait` (or a `statement_timeout`) ended the wait. */
const QUERY_CANCELED = '57014';

/** Releases each key once; one statement. */
const RELEASE_SQL =
  'select pg_backend_pid() as pid, count(*) filter (where u.released) as released from (select pg_advisory_unlock(t.k) as released from unnest($1::bigint[]) as t(k)) u';

/**
 * Releases each key once AND announces it on channel `$2` in the SAME statement (so the same round
 * trip): one `pg_notify` per release batch. PostgreSQL delivers the notice at the statement's
 * commit, i.e. after the unlocks, so a listener that wakes on it finds the locks free.
 */
const RELEASE_NOTIFY_SQL =
  "select pg_backend_pid() as pid, count(*) filter (where u.released) as released, pg_notify($2, '') as notified from (select pg_advisory_unlock(t.k) as released from unnest($1::bigint[]) as t(k)) u";

/** How long a polite `close()` may take before the socket is destroyed. */
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * One dedicated `pg.Client`: the lock session. Every method is one round trip, and every statement
 * also returns `pg_backend_pid()`: a different pid than the one seen at connect means the
 * connection no longer runs on the same server session (a transaction- or statement-mode pooler
 * moved it), so the session is announced closed with `UNSAFE_CONNECTION` and its locks are lost.
 */
export class PostgresSession implements LockSession<string> {
  readonly #client: pg.Client;
  readonly #pid: number;
  readonly #target: string;
  readonly #releaseChannel: string | undefined;
  readonly #cancel: ((pid: number) => Promise<void>) | undefined;
  #listener: ((cause: unknown) => void) | undefined;
  #pendingCause: { cause: unknown } | undefined;
  #closing = false;
  #ended = false;

  /**
   * @param pid The server backend pid seen right after connecting (`pg_backend_pid()`).
   * @param target Redacted target, for messages.
   * @param releaseChannel Channel `release()` notifies (same round trip); `undefined`: no notice.
   * @param cancel Cancels the statement running on backend `pid` (from another connection); enables `cancelWait`.
   */
  constructor(client: pg.Client, pid: number, target: string, releaseChannel?: string, cancel?: (pid: number) => Promise<void>) {
    this.#client = client;
    this.#pid = pid;
    this.#target = target;
    this.#releaseChannel = releaseChannel;
    this.#cancel = cancel;
    client.on('error', (error) => this.#closed(error));
    client.on('end', () => {
      this.#ended = true;
      this.#closed(new Error('PostgreSQL lock connection ended'));
    });
  }

  /** The server backend pid of this session. */
  get pid(): number {
    return this.#pid;
  }

  async tryAcquire(keys: readonly string[]): Promise<readonly boolean[]> {
    const row = this.#own((await this.#client.query<{ pid: number; n: string[] }>(TRY_ACQUIRE_SQL, [bigintArray(keys)])).rows);
    return listedToTrue(row.n.map((n) => ({ n })), keys.length);
  }

  async verify(keys: readonly string[]): Promise<readonly boolean[]> {
    const row = this.#own((await this.#client.query<{ pid: number; n: string[] }>(VERIFY_MISSING_SQL, [bigintArray(keys)])).rows);
    return missingToHeld(row.n.map((n) => ({ n })), keys.length);
  }

  async probe(keys: readonly string[]): Promise<readonly boolean[]> {
    const row = this.#own((await this.#client.query<{ pid: number; n: string[] }>(PROBE_SQL, [bigintArray(keys)])).rows);
    return listedToTrue(row.n.map((n) => ({ n })), keys.length);
  }

  /**
   * ONE waiting `pg_advisory_lock` bounded by `lock_timeout = waitMs` (see WAIT_ACQUIRE_SQL):
   * `true` granted, `false` timed out. When the wait was cancelled (`cancelWait`, or a server
   * `statement_timeout`) the grant may have won the race: one `verify` round trip tells.
   */
  async waitAcquire(key: string, waitMs: number): Promise<boolean> {
    // lock_timeout 0 would mean "wait for ever": a zero wait is a plain try
    if (waitMs < 1) return (await this.tryAcquire([key]))[0] === true;
    try {
      const row = this.#own((await this.#client.query<{ pid: number; granted: boolean }>(WAIT_ACQUIRE_SQL, [key, `${Math.floor(waitMs)}ms`])).rows);
      return row.granted === true;
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code === LOCK_NOT_AVAILABLE) return false;
      if (code === QUERY_CANCELED) return (await this.verify([key]))[0] === true;
      throw error;
    }
  }

  async cancelWait(): Promise<void> {
    if (this.#cancel === undefined) throw new Error('no cancel connection configured');
    await this.#cancel(this.#pid);
  }

  async release(keys: readonly string[]): Promise<void> {
    const result =
      this.#releaseChannel === undefined
        ? await this.#client.query<{ pid: number }>(RELEASE_SQL, [bigintArray(keys)])
        : await this.#client.query<{ pid: number }>(RELEASE_NOTIFY_SQL, [bigintArray(keys), this.#releaseChannel]);
    this.#own(result.rows);
  }

  onClosed(listener: (cause: unknown) => void): void {
    this.#listener = listener;
    const pending = this.#pendingCause;
    if (pending !== undefined) {
      this.#pendingCause = undefined;
      queueMicrotask(() => listener(pending.cause));
    }
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#ended) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      timer.unref();
    });
    await Promise.race([this.#client.end().catch(() => undefined), timeout]);
    clearTimeout(timer);
    if (!this.#ended) this.destroy();
  }

  destroy(): void {
    this.#closing = true;
    destroyClient(this.#client);
  }

  /** The single row of a one-row statement, after checking it ran on this session's backend. */
  #own<R extends { pid: number }>(rows: readonly R[]): R {
    const row = rows[0];
    if (rows.length !== 1 || row === undefined) throw new Error(`expected one row from PostgreSQL, got ${rows.length}`);
    this.#checkPid(row.pid);
    return row;
  }

  #checkPid(pid: number): void {
    if (Number(pid) === this.#pid) return;
    const error = new AppLockError(
      'UNSAFE_CONNECTION',
      `The PostgreSQL lock connection to ${this.#target} moved from server session ${this.#pid} to ${String(pid)} between statements: ` +
        'a pooler in transaction or statement mode (PgBouncer, RDS Proxy, ...) hands the session and its locks to other clients. ' +
        'Its locks are treated as lost; connect directly or through session pooling.',
    );
    this.#closed(error);
    throw error;
  }

  #closed(cause: unknown): void {
    if (this.#closing) return;
    this.#closing = true; // announce once
    destroyClient(this.#client);
    if (this.#listener) this.#listener(cause);
    else this.#pendingCause = { cause };
  }
}

/** Destroys the client's socket at once (no Terminate message). Never throws. */
export function destroyClient(client: pg.Client): void {
  try {
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  } catch {
    // already gone
  }
}

/**
 * The keys as ONE `bigint[]` text literal (`{1,-2,3}`). Keys are decimal integers (see
 * `postgresLockKey`), so no element needs quoting; pg's generic array encoder quotes and escapes
 * each of 10 000 elements on every verification.
 */
export function bigintArray(keys: readonly string[]): string {
  return `{${keys.join(',')}}`;
}

/** Every one of `count` keys held except the 1-based positions listed in `missing`. */
export function missingToHeld(missing: readonly { readonly n: string | number }[], count: number): boolean[] {
  return markPositions(missing, count, true);
}

/** Only the 1-based positions listed in `granted` are `true`. */
export function listedToTrue(granted: readonly { readonly n: string | number }[], count: number): boolean[] {
  return markPositions(granted, count, false);
}

function markPositions(rows: readonly { readonly n: string | number }[], count: number, fill: boolean): boolean[] {
  const out = new Array<boolean>(count).fill(fill);
  for (const row of rows) {
    const index = Number(row.n) - 1;
    if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`unexpected key position ${String(row.n)} from PostgreSQL (${count} keys)`);
    out[index] = !fill;
  }
  return out;
}
