import type { EpochStore } from './epoch-store';
import { FencingError, StaleEpochError } from './fencing-error';
import { assertIdentifier, quoteSqlServer } from './internal/identifiers';
import { ASSERT_CURRENT, CREATE_TABLE, CURRENT_EPOCH, NEXT_EPOCH } from './internal/sql-server-statements';
import { assertKey, readEpoch, throwIfAborted, toEpoch } from './internal/validate';

/**
 * The part of `mssql` this package uses, declared structurally (no `mssql` import): an
 * `mssql.ConnectionPool` or `mssql.Transaction` fits (both have `request()`).
 */
export interface SqlServerRequestFactory {
  request(): SqlServerRequestLike;
}

/** An `mssql.Request`: named inputs bound as parameters, then one batch. */
export interface SqlServerRequestLike {
  input(name: string, value: unknown): unknown;
  query(batch: string): Promise<{ readonly recordset?: readonly unknown[] | undefined }>;
}

/** Where the SQL Server epoch table lives. */
export interface SqlServerFencingTable {
  /** Schema of the table (must exist). Default `'dbo'`. */
  readonly schema?: string;
  /** Table name. Default `'polecat_fencing_epochs'`. */
  readonly table?: string;
}

/** Options of {@link SqlServerEpochStore}. */
export interface SqlServerEpochStoreOptions extends SqlServerFencingTable {
  /** Create the table on first use. `false` expects {@link sqlServerFencingMigration} to have run. Default `true`. */
  readonly createTable?: boolean;
}

/** `[dbo].[polecat_fencing_epochs]`: validated and quoted (`QUOTENAME` rules). */
export function sqlServerFencingTableName(table: SqlServerFencingTable = {}): string {
  return `${quoteSqlServer(assertIdentifier('schema', table.schema ?? 'dbo'))}.${quoteSqlServer(assertIdentifier('table', table.table ?? 'polecat_fencing_epochs'))}`;
}

/** The idempotent T-SQL migration that creates the epoch table. The object name is a bound parameter of `OBJECT_ID`. */
export function sqlServerFencingMigration(table: SqlServerFencingTable = {}): string {
  return CREATE_TABLE.sql(sqlServerFencingTableName(table));
}

/**
 * Fencing epochs in a SQL Server table next to the `sp_getapplock` locks. NOT VERIFIED against a
 * real SQL Server in this repository's CI (no server available); the SQL is small and every value
 * is a bound parameter. `nextEpoch` is one batch, one transaction: `UPDATE ... WITH (UPDLOCK,
 * HOLDLOCK)`, then `INSERT` when no row was updated (no MERGE; see `internal/sql-server-statements.ts`
 * for every statement and the Microsoft pages that document it).
 * `assertCurrent` reads with `(HOLDLOCK, ROWLOCK)` inside the caller's transaction, so the shared
 * row lock blocks a newer grant's bump until the write commits.
 */
export class SqlServerEpochStore implements EpochStore {
  readonly tableName: string;
  readonly #db: SqlServerRequestFactory;
  readonly #createTable: boolean;
  readonly #migration: string;
  #ready: Promise<void> | undefined;

  constructor(db: SqlServerRequestFactory, options: SqlServerEpochStoreOptions = {}) {
    if (typeof db !== 'object' || db === null || typeof db.request !== 'function') {
      throw new FencingError('STORE_FAILED', 'SqlServerEpochStore needs an mssql ConnectionPool (or anything with request())');
    }
    this.tableName = sqlServerFencingTableName(options);
    this.#migration = sqlServerFencingMigration(options);
    this.#db = db;
    this.#createTable = options.createTable ?? true;
  }

  /**
   * Creates the table if missing (once; retried after a failure). Tolerates a concurrent create:
   * `IF OBJECT_ID(...) IS NULL CREATE TABLE` is not atomic, so two nodes starting together can both
   * see no table and one `CREATE TABLE` then fails with SQL Server error 2714 ("There is already an
   * object named ... in the database"): the table exists, which is all this call promises.
   */
  ensureTable(): Promise<void> {
    this.#ready ??= run(this.#db, this.#migration, { table: this.tableName }).then(
      () => undefined,
      (cause: unknown) => {
        if (sqlServerErrorNumber(cause) === OBJECT_ALREADY_EXISTS) return;
        this.#ready = undefined;
        throw new FencingError('STORE_FAILED', `Could not create the fencing table ${this.tableName}`, { cause });
      },
    );
    return this.#ready;
  }

  /** Bumps the epoch of `key` and returns it (1 for a new key). One batch, one transaction, race-safe. */
  async nextEpoch(key: string, signal?: AbortSignal): Promise<bigint> {
    assertKey(key);
    throwIfAborted(signal);
    if (this.#createTable) await this.ensureTable();
    const batch = NEXT_EPOCH.sql(this.tableName);
    const rows = await run(this.#db, batch, { key }).catch((cause: unknown) => {
      throw new FencingError('STORE_FAILED', `Could not bump the fencing epoch in ${this.tableName}`, { cause });
    });
    return readEpoch((rows[0] as { epoch?: unknown } | undefined)?.epoch);
  }

  /** The stored epoch of `key`, or `undefined`. */
  async currentEpoch(key: string, signal?: AbortSignal): Promise<bigint | undefined> {
    assertKey(key);
    throwIfAborted(signal);
    if (this.#createTable) await this.ensureTable();
    const rows = await run(this.#db, CURRENT_EPOCH.sql(this.tableName), { key }).catch((cause: unknown) => {
      throw new FencingError('STORE_FAILED', `Could not read the fencing epoch from ${this.tableName}`, { cause });
    });
    const row = rows[0] as { epoch?: unknown } | undefined;
    return row === undefined ? undefined : readEpoch(row.epoch);
  }

  /**
   * Inside your open `mssql.Transaction` (pass it as `transaction`): throws {@link StaleEpochError}
   * unless the stored epoch of `key` equals `epoch`; the `HOLDLOCK` shared lock lasts until commit.
   */
  async assertCurrent(transaction: SqlServerRequestFactory, key: string, epoch: bigint | number): Promise<void> {
    assertKey(key);
    const expected = toEpoch(epoch);
    const rows = await run(transaction, ASSERT_CURRENT.sql(this.tableName), { key }).catch((cause: unknown) => {
      throw new FencingError('STORE_FAILED', `Could not check the fencing epoch in ${this.tableName}`, { cause });
    });
    const row = rows[0] as { epoch?: unknown } | undefined;
    const current = row === undefined ? undefined : readEpoch(row.epoch);
    if (current !== expected) throw new StaleEpochError(key, expected, current);
  }
}

async function run(db: SqlServerRequestFactory, batch: string, inputs: Record<string, string>): Promise<readonly unknown[]> {
  const request = db.request();
  for (const [name, value] of Object.entries(inputs)) request.input(name, value);
  const result = await request.query(batch);
  return result.recordset ?? [];
}

/** SQL Server error 2714: "There is already an object named '%.*ls' in the database." */
const OBJECT_ALREADY_EXISTS = 2714;

/**
 * The SQL Server error number of a driver error: mssql's `RequestError.number`, or the tedious
 * error it wraps (`originalError.number` / `originalError.info.number`). `undefined` otherwise.
 */
export function sqlServerErrorNumber(error: unknown): number | undefined {
  const read = (value: unknown): number | undefined => {
    const number = (value as { number?: unknown } | null | undefined)?.number;
    return typeof number === 'number' ? number : undefined;
  };
  const original = (error as { originalError?: unknown } | null | undefined)?.originalError;
  return read(error) ?? read(original) ?? read((original as { info?: unknown } | null | undefined)?.info);
}
