import type pg from 'pg';
import type { LockSession } from '@polecat/app-lock';

/**
 * Tries each key, in order; one statement. Only the GRANTED positions (1-based) come back: a
 * standby polling 10 000 taken keys every 500 ms parses no rows instead of 10 000. The filter
 * evaluates `pg_try_advisory_lock` for every key, in `unnest` order.
 */
const TRY_ACQUIRE_SQL = 'select t.n from unnest($1::bigint[]) with ordinality as t(k, n) where pg_try_advisory_lock(t.k)';

/**
 * The positions (1-based) of the keys this backend does NOT hold; one statement. Only missing keys
 * come back, so verifying 10 000 held keys returns no row (no 10 000-row result to parse).
 * A session-level bigint advisory lock appears in pg_locks with the high 32 bits in `classid`,
 * the low 32 bits in `objid` and `objsubid = 1` (the two-int4 form uses `objsubid = 2`, not ours).
 *
 * Written as `k not in (uncorrelated subquery)` so PostgreSQL builds ONE hashed SubPlan over
 * pg_locks: the planner estimates pg_locks at 1 row, so a join form gets a nested loop that
 * compares every key with every lock (measured: 10 000 keys x 10 000 locks = 7.5 s; this: 19 ms).
 * The subquery never yields NULL (classid and objid are set for advisory locks), so NOT IN is exact.
 */
const VERIFY_MISSING_SQL = `select t.n
from unnest($1::bigint[]) with ordinality as t(k, n)
where t.k not in (
  select (l.classid::bigint << 32) | l.objid::bigint
  from pg_locks l
  where l.locktype = 'advisory' and l.pid = pg_backend_pid() and l.granted and l.objsubid = 1
)`;

/**
 * Whether ANY backend (this one included) holds each key as a granted session-level bigint
 * advisory lock in the CURRENT database (pg_locks lists every database of the cluster); one statement.
 */
const PROBE_SQL = `select t.n, t.k in (
  select (l.classid::bigint << 32) | l.objid::bigint
  from pg_locks l
  where l.locktype = 'advisory' and l.granted and l.objsubid = 1
    and l.database = (select d.oid from pg_database d where d.datname = current_database())
) as held
from unnest($1::bigint[]) with ordinality as t(k, n)
order by t.n`;

/** Releases each key once; one statement. */
const RELEASE_SQL = 'select pg_advisory_unlock(t.k) as released from unnest($1::bigint[]) as t(k)';

/**
 * Releases each key once AND announces it on channel `$2` in the SAME statement (so the same round
 * trip): one `pg_notify` per release batch. PostgreSQL delivers the notice at the statement's
 * commit, i.e. after the unlocks, so a listener that wakes on it finds the locks free.
 */
const RELEASE_NOTIFY_SQL =
  "select count(*) filter (where u.released) as released, pg_notify($2, '') as notified from (select pg_advisory_unlock(t.k) as released from unnest($1::bigint[]) as t(k)) u";

/** How long a polite `close()` may take before the socket is destroyed. */
const CLOSE_TIMEOUT_MS = 2_000;

/** One dedicated `pg.Client`: the lock session. Every method is one round trip. */
export class PostgresSession implements LockSession<string> {
  readonly #client: pg.Client;
  readonly #releaseChannel: string | undefined;
  #listener: ((cause: unknown) => void) | undefined;
  #pendingCause: { cause: unknown } | undefined;
  #closing = false;
  #ended = false;

  /** @param releaseChannel Channel `release()` notifies (same round trip); `undefined`: no notice. */
  constructor(client: pg.Client, releaseChannel?: string) {
    this.#client = client;
    this.#releaseChannel = releaseChannel;
    client.on('error', (error) => this.#closed(error));
    client.on('end', () => {
      this.#ended = true;
      this.#closed(new Error('PostgreSQL lock connection ended'));
    });
  }

  async tryAcquire(keys: readonly string[]): Promise<readonly boolean[]> {
    const result = await this.#client.query<{ n: string }>(TRY_ACQUIRE_SQL, [bigintArray(keys)]);
    return listedToTrue(result.rows, keys.length);
  }

  async verify(keys: readonly string[]): Promise<readonly boolean[]> {
    const result = await this.#client.query<{ n: string }>(VERIFY_MISSING_SQL, [bigintArray(keys)]);
    return missingToHeld(result.rows, keys.length);
  }

  async probe(keys: readonly string[]): Promise<readonly boolean[]> {
    const result = await this.#client.query<{ n: string; held: boolean }>(PROBE_SQL, [bigintArray(keys)]);
    return inOrder(result.rows, keys.length, (row) => row.held);
  }

  async release(keys: readonly string[]): Promise<void> {
    if (this.#releaseChannel === undefined) await this.#client.query(RELEASE_SQL, [bigintArray(keys)]);
    else await this.#client.query(RELEASE_NOTIFY_SQL, [bigintArray(keys), this.#releaseChannel]);
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

function inOrder<R extends { n: string }>(rows: readonly R[], count: number, pick: (row: R) => boolean): boolean[] {
  if (rows.length !== count) throw new Error(`expected ${count} rows from PostgreSQL, got ${rows.length}`);
  const out = new Array<boolean>(count).fill(false);
  for (const row of rows) out[Number(row.n) - 1] = pick(row) === true;
  return out;
}
