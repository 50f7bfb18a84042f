import type pg from 'pg';
import type { LockSession } from '@polecat/app-lock';
import { PROBE_SQL, RELEASE_SQL, TRY_ACQUIRE_SQL, VERIFY_MISSING_SQL, WAIT_ACQUIRE_SQL } from './lock-sql';
import { LOCK_NOT_AVAILABLE, QUERY_CANCELED, sqlStateOf, unsafeConnection } from './postgres-errors';

/** What every lock statement returns besides its answer: where it ran and what that backend holds. */
interface GuardedRow {
  readonly pid: number;
  /** Advisory locks the backend held (before the statement, for guarded ones). */
  readonly held?: number;
  /** Whether the guard held (guarded statements only). */
  readonly ok?: boolean;
}

/** How long a polite `close()` may take before the socket is destroyed. */
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * One dedicated `pg.Client`: the lock session. Every method is one round trip. Every statement that
 * takes or releases a lock carries the pid guard (see `lock-sql.ts`): it acts only on the backend
 * proven dedicated at connect and only while that backend holds exactly the locks this session took
 * (tracked here). A statement that ran elsewhere, or found the backend shared, took and released
 * nothing; the session is then announced closed with `UNSAFE_CONNECTION` and its locks are lost.
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
  /** The keys this session holds on its backend (what the guard expects there). */
  readonly #taken = new Set<string>();

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
    const row = this.#guarded((await this.#client.query<GuardedRow & { n: string[] }>(TRY_ACQUIRE_SQL, [bigintArray(keys), this.#pid, this.#taken.size])).rows);
    const granted = listedToTrue(
      row.n.map((n) => ({ n })),
      keys.length,
    );
    keys.forEach((key, index) => {
      if (granted[index] === true) this.#taken.add(key);
    });
    return granted;
  }

  async verify(keys: readonly string[]): Promise<readonly boolean[]> {
    const row = this.#own((await this.#client.query<GuardedRow & { n: string[] }>(VERIFY_MISSING_SQL, [bigintArray(keys)])).rows);
    const held = missingToHeld(
      row.n.map((n) => ({ n })),
      keys.length,
    );
    keys.forEach((key, index) => {
      if (held[index] === true) this.#taken.add(key);
      else this.#taken.delete(key);
    });
    // a backend holding more advisory locks than this client took is shared with another client
    if (Number(row.held) > this.#taken.size)
      this.#refuse('shared', `backend ${this.#pid} holds ${String(row.held)} advisory locks, this client took ${this.#taken.size}`);
    return held;
  }

  async probe(keys: readonly string[]): Promise<readonly boolean[]> {
    const row = this.#own((await this.#client.query<{ pid: number; n: string[] }>(PROBE_SQL, [bigintArray(keys)])).rows);
    return listedToTrue(
      row.n.map((n) => ({ n })),
      keys.length,
    );
  }

  /**
   * ONE waiting `pg_advisory_lock` bounded by `lock_timeout = waitMs` (see WAIT_ACQUIRE_SQL):
   * `true` granted, `false` timed out. When the wait was cancelled (`cancelWait`, or a server
   * `statement_timeout`) the grant may have won the race: one `verify` round trip tells.
   */
  async waitAcquire(key: string, waitMs: number): Promise<boolean> {
    // lock_timeout 0 would mean "wait for ever": a zero wait is a plain try
    if (waitMs < 1) return (await this.tryAcquire([key]))[0] === true;
    let row: GuardedRow & { granted: boolean };
    try {
      row = this.#guarded(
        (await this.#client.query<GuardedRow & { granted: boolean }>(WAIT_ACQUIRE_SQL, [key, this.#pid, this.#taken.size, `${Math.floor(waitMs)}ms`])).rows,
      );
    } catch (error) {
      const state = sqlStateOf(error);
      if (state === LOCK_NOT_AVAILABLE) return false;
      if (state === QUERY_CANCELED) return (await this.verify([key]))[0] === true;
      throw error;
    }
    if (row.granted === true) this.#taken.add(key);
    return row.granted === true;
  }

  async cancelWait(): Promise<void> {
    if (this.#cancel === undefined) throw new Error('no cancel connection configured');
    await this.#cancel(this.#pid);
  }

  async release(keys: readonly string[], reason?: string): Promise<void> {
    const result = await this.#client.query<GuardedRow>(RELEASE_SQL, [
      bigintArray(keys),
      this.#pid,
      this.#taken.size,
      this.#releaseChannel ?? null,
      reason ?? '',
    ]);
    this.#guarded(result.rows);
    for (const key of keys) this.#taken.delete(key);
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
  #own<R extends GuardedRow>(rows: readonly R[]): R {
    const row = rows[0];
    if (rows.length !== 1 || row === undefined) throw new Error(`expected one row from PostgreSQL, got ${rows.length}`);
    if (Number(row.pid) !== this.#pid) this.#refuse('moved', `proven backend ${this.#pid}, this statement ran on ${String(row.pid)}`);
    return row;
  }

  /** {@link #own}, and the guard held (else the statement did nothing and the backend is shared). */
  #guarded<R extends GuardedRow>(rows: readonly R[]): R {
    const row = this.#own(rows);
    if (row.ok !== true) this.#refuse('shared', `backend ${this.#pid} held ${String(row.held)} advisory locks, this client took ${this.#taken.size}`);
    return row;
  }

  #refuse(reason: 'moved' | 'shared', detail: string): never {
    const error = unsafeConnection(reason, this.#target, detail);
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
