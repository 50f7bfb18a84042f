/**
 * Every T-SQL statement `SqlServerEpochStore` sends, each with the Microsoft pages that document
 * what it relies on. Identifiers are validated and bracket-quoted (`sqlServerFencingTableName`);
 * every value is a bound parameter (`@table`, `@key`). A test checks that each batch the store sends
 * is one of these.
 */

/** One statement: its name, its text for a quoted table name, the pages that document it. */
export interface SqlServerStatement {
  readonly name: string;
  readonly sql: (tableName: string) => string;
  readonly docs: readonly string[];
}

const DOCS = 'https://learn.microsoft.com/sql';

/**
 * Creates the epoch table unless it exists (`OBJECT_ID(@table, N'U')`); a concurrent create fails
 * with error 2714, which the store treats as success.
 */
export const CREATE_TABLE: SqlServerStatement = {
  name: 'create epoch table',
  sql: (tableName) => `IF OBJECT_ID(@table, N'U') IS NULL
CREATE TABLE ${tableName} (
  lock_key   nvarchar(450) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
  epoch      bigint        NOT NULL CHECK (epoch > 0),
  updated_at datetime2     NOT NULL DEFAULT SYSUTCDATETIME()
);`,
  docs: [
    `${DOCS}/t-sql/functions/object-id-transact-sql`,
    `${DOCS}/t-sql/statements/create-table-transact-sql`,
    `${DOCS}/relational-databases/errors-events/database-engine-events-and-errors-2000-to-2999`,
  ],
};

/**
 * Bumps the epoch of `@key` (1 for a new key) without MERGE: in ONE transaction, an `UPDATE` with
 * `UPDLOCK, HOLDLOCK` (HOLDLOCK = SERIALIZABLE: when the row is missing, a key-range lock covers
 * where it would be, and two update-range locks are incompatible, so a concurrent bump waits until
 * this one commits and then finds the row), then the `INSERT` when no row was updated
 * (`@@ROWCOUNT = 0`). `SET @epoch = epoch = epoch + 1` reads the new value in the same statement.
 * `XACT_ABORT ON` rolls the whole transaction back on any error.
 */
export const NEXT_EPOCH: SqlServerStatement = {
  name: 'bump epoch',
  sql: (tableName) => `SET NOCOUNT ON;
SET XACT_ABORT ON;
DECLARE @epoch bigint;
BEGIN TRANSACTION;
UPDATE ${tableName} WITH (UPDLOCK, HOLDLOCK)
SET @epoch = epoch = epoch + 1, updated_at = SYSUTCDATETIME()
WHERE lock_key = CAST(@key AS nvarchar(450));
IF @@ROWCOUNT = 0
BEGIN
  INSERT INTO ${tableName} (lock_key, epoch) VALUES (CAST(@key AS nvarchar(450)), 1);
  SET @epoch = 1;
END;
COMMIT TRANSACTION;
SELECT @epoch AS epoch;`,
  docs: [
    `${DOCS}/t-sql/queries/update-transact-sql`,
    `${DOCS}/t-sql/queries/hints-transact-sql-table`,
    `${DOCS}/relational-databases/sql-server-transaction-locking-and-row-versioning-guide`,
    `${DOCS}/t-sql/functions/rowcount-transact-sql`,
    `${DOCS}/t-sql/statements/set-xact-abort-transact-sql`,
    `${DOCS}/t-sql/language-elements/begin-transaction-transact-sql`,
  ],
};

/** Reads the stored epoch of `@key` (no hint: a committed read). */
export const CURRENT_EPOCH: SqlServerStatement = {
  name: 'read epoch',
  sql: (tableName) => `SELECT epoch FROM ${tableName} WHERE lock_key = @key`,
  docs: [`${DOCS}/t-sql/queries/select-transact-sql`],
};

/**
 * Reads the stored epoch of `@key` inside the caller's transaction with `HOLDLOCK, ROWLOCK`: the
 * shared row lock lasts until commit, so a newer grant's bump waits for the caller's write.
 */
export const ASSERT_CURRENT: SqlServerStatement = {
  name: 'check epoch in a transaction',
  sql: (tableName) => `SELECT epoch FROM ${tableName} WITH (HOLDLOCK, ROWLOCK) WHERE lock_key = @key`,
  docs: [`${DOCS}/t-sql/queries/hints-transact-sql-table`],
};

/** Every statement of the store. */
export const SQL_SERVER_STATEMENTS: readonly SqlServerStatement[] = [CREATE_TABLE, NEXT_EPOCH, CURRENT_EPOCH, ASSERT_CURRENT];
