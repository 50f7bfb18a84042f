import type { EpochStore } from './epoch-store';
import { FencingError, StaleEpochError } from './fencing-error';
import { assertIdentifier, quotePostgres } from './internal/identifiers';
import { assertKey, readEpoch, throwIfAborted, toEpoch } from './internal/validate';
import type { PostgresQueryable } from './postgres-queryable';

/** Where the epoch table lives. */
export interface PostgresFencingTable {
  /** Schema of the epoch table (must exist). Default `'public'`. */
  readonly schema?: string;
  /** Name of the epoch table. Default `'polecat_fencing_epochs'`. */
  readonly table?: string;
}

/** Options of {@link PostgresEpochStore}. */
export interface PostgresEpochStoreOptions extends PostgresFencingTable {
  /** Create the table on first use (`CREATE TABLE IF NOT EXISTS`). `false` expects the migration to have run. Default `true`. */
  readonly createTable?: boolean;
}

/** Default table name of the fencing epochs. */
export const DEFAULT_FENCING_TABLE = 'polecat_fencing_epochs';

/** The quoted, qualified name of the epoch table (`"public"."polecat_fencing_epochs"`); validates both names. */
export function postgresFencingTableName(table: PostgresFencingTable = {}): string {
  const schema = assertIdentifier('schema', table.schema ?? 'public');
  const name = assertIdentifier('table', table.table ?? DEFAULT_FENCING_TABLE);
  return `${quotePostgres(schema)}.${quotePostgres(name)}`;
}

/**
 * The migration that creates the epoch table, for teams that run DDL themselves (then pass
 * `createTable: false`). Idempotent.
 * @example console.log(postgresFencingMigration({ schema: 'app' }))
 */
export function postgresFencingMigration(table: PostgresFencingTable = {}): string {
  return `CREATE TABLE IF NOT EXISTS ${postgresFencingTableName(table)} (
  lock_key   text        NOT NULL PRIMARY KEY,
  epoch      bigint      NOT NULL CHECK (epoch > 0),
  updated_at timestamptz NOT NULL DEFAULT now()
)`;
}

// Two sessions racing `CREATE TABLE IF NOT EXISTS`: the loser gets duplicate_table (42P07),
// duplicate_object on the row type (42710) or unique_violation on pg_type (23505), depending on timing.
const DUPLICATE_CODES = new Set(['42P07', '42710', '23505']);

/**
 * Fencing epochs in a PostgreSQL table next to the lock (same database). `nextEpoch` is ONE
 * statement: `INSERT ... ON CONFLICT (lock_key) DO UPDATE SET epoch = epoch + 1 RETURNING epoch`.
 * {@link PostgresEpochStore.assertCurrent} makes a write conditional on the epoch inside the
 * writer's own transaction. Give it a `pg.Pool` (or any {@link PostgresQueryable}).
 * @example
 * const epochs = new PostgresEpochStore(pool);
 * const epoch = await epochs.nextEpoch('orders/4711'); // 1n, then 2n, ...
 */
export class PostgresEpochStore implements EpochStore {
  /** The quoted, qualified table name. */
  readonly tableName: string;
  readonly #db: PostgresQueryable;
  readonly #createTable: boolean;
  readonly #migration: string;
  #ready: Promise<void> | undefined;

  constructor(db: PostgresQueryable, options: PostgresEpochStoreOptions = {}) {
    if (typeof db !== 'object' || db === null || typeof db.query !== 'function') {
      throw new FencingError('STORE_FAILED', 'PostgresEpochStore needs a pg.Pool, pg.Client or another object with query(text, values)');
    }
    this.tableName = postgresFencingTableName(options);
    this.#migration = postgresFencingMigration(options);
    this.#db = db;
    this.#createTable = options.createTable ?? true;
  }

  /** Creates the table if missing (once per store; retried after a failure). Called by every method when `createTable`. */
  ensureTable(): Promise<void> {
    this.#ready ??= this.#db.query(this.#migration).then(
      () => undefined,
      (cause: unknown) => {
        const fail = (error: unknown): never => {
          this.#ready = undefined;
          throw new FencingError('STORE_FAILED', `Could not create the fencing table ${this.tableName}`, { cause: error });
        };
        // the racing creator has committed by now: run the (idempotent) migration once more
        if (DUPLICATE_CODES.has(String((cause as { code?: unknown } | null)?.code))) return this.#db.query(this.#migration).then(() => undefined, fail);
        return fail(cause);
      },
    );
    return this.#ready;
  }

  async #prepare(signal: AbortSignal | undefined): Promise<void> {
    throwIfAborted(signal);
    if (this.#createTable) await this.ensureTable();
  }

  /** Bumps the epoch of `key` and returns it (1 for a new key). One round trip. */
  async nextEpoch(key: string, signal?: AbortSignal): Promise<bigint> {
    assertKey(key);
    await this.#prepare(signal);
    const sql = `INSERT INTO ${this.tableName} AS t (lock_key, epoch) VALUES ($1, 1)
ON CONFLICT (lock_key) DO UPDATE SET epoch = t.epoch + 1, updated_at = now()
RETURNING epoch`;
    const result = await this.#db.query(sql, [key]).catch((cause: unknown) => {
      throw new FencingError('STORE_FAILED', `Could not bump the fencing epoch in ${this.tableName}`, { cause });
    });
    return readEpoch((result.rows[0] as { epoch?: unknown } | undefined)?.epoch);
  }

  /** The stored epoch of `key`, or `undefined`. */
  async currentEpoch(key: string, signal?: AbortSignal): Promise<bigint | undefined> {
    assertKey(key);
    await this.#prepare(signal);
    const result = await this.#db.query(`SELECT epoch FROM ${this.tableName} WHERE lock_key = $1`, [key]).catch((cause: unknown) => {
      throw new FencingError('STORE_FAILED', `Could not read the fencing epoch from ${this.tableName}`, { cause });
    });
    const row = result.rows[0] as { epoch?: unknown } | undefined;
    return row === undefined ? undefined : readEpoch(row.epoch);
  }

  /**
   * Inside YOUR open transaction on `client` (after `BEGIN`, before the write): reads the epoch
   * of `key` with `FOR SHARE` and throws {@link StaleEpochError} unless it equals `epoch`. The
   * share lock lasts until your transaction ends, so a newer grant's `nextEpoch` waits for your
   * commit: no stale write can land after a newer epoch exists. Never call it on a pool (each
   * pool query may use another connection): use the client your transaction runs on.
   */
  async assertCurrent(client: PostgresQueryable, key: string, epoch: bigint | number): Promise<void> {
    await checkEpoch(client, this.tableName, key, epoch);
  }
}

/**
 * The fencing check as a free function (see {@link PostgresEpochStore.assertCurrent}): run it on
 * the client of your open transaction, before the write. `table` names the epoch table
 * (default `public.polecat_fencing_epochs`).
 * @throws StaleEpochError when the stored epoch differs from `epoch` (or none is stored).
 * @example
 * await client.query('BEGIN');
 * await assertEpochCurrent(client, key, epoch);
 * await client.query('UPDATE checkpoints SET position = $2 WHERE shard = $1', [shard, position]);
 * await client.query('COMMIT');
 */
export async function assertEpochCurrent(client: PostgresQueryable, key: string, epoch: bigint | number, table: PostgresFencingTable = {}): Promise<void> {
  await checkEpoch(client, postgresFencingTableName(table), key, epoch);
}

async function checkEpoch(client: PostgresQueryable, tableName: string, key: string, epoch: bigint | number): Promise<void> {
  assertKey(key);
  const expected = toEpoch(epoch);
  const result = await client.query(`SELECT epoch FROM ${tableName} WHERE lock_key = $1 FOR SHARE`, [key]).catch((cause: unknown) => {
    throw new FencingError('STORE_FAILED', `Could not check the fencing epoch in ${tableName}`, { cause });
  });
  const row = result.rows[0] as { epoch?: unknown } | undefined;
  const current = row === undefined ? undefined : readEpoch(row.epoch);
  if (current !== expected) throw new StaleEpochError(key, expected, current);
}
