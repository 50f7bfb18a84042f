/**
 * Every T-SQL statement the SQL Server ops code (registry, ownership intents) sends, each with the
 * Microsoft pages that document what it relies on. Table names are validated identifiers quoted
 * with brackets ({@link sqlServerOpsTables}); every value is a bound parameter. A test checks that
 * each batch the SQL Server ops code sends is one of these.
 */
import { OpsError } from '../ops-error';

/** The quoted names of the three ops tables and their unquoted `schema.table` forms (for `OBJECT_ID`). */
export interface SqlServerOpsTables {
  readonly nodes: string;
  readonly intents: string;
  readonly log: string;
  readonly names: { readonly nodes: string; readonly intents: string; readonly log: string };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** `[dbo].[polecat_nodes]` etc. for `schema` (default `dbo`); throws `INVALID_ARGUMENT` for a bad schema name. */
export function sqlServerOpsTables(schema = 'dbo'): SqlServerOpsTables {
  if (typeof schema !== 'string' || !IDENTIFIER.test(schema)) {
    throw new OpsError('INVALID_ARGUMENT', `schema must be a plain SQL identifier (letters, digits, _; 1 to 63 characters), got ${JSON.stringify(schema)}`);
  }
  const quoted = (table: string): string => `[${schema}].[${table}]`;
  return {
    nodes: quoted('polecat_nodes'),
    intents: quoted('polecat_intents'),
    log: quoted('polecat_intent_log'),
    names: { nodes: `${schema}.polecat_nodes`, intents: `${schema}.polecat_intents`, log: `${schema}.polecat_intent_log` },
  };
}

/** One statement: its name, its text for the tables, the pages that document it. */
export interface SqlServerOpsStatement {
  readonly name: string;
  readonly sql: (tables: SqlServerOpsTables) => string;
  readonly docs: readonly string[];
}

const DOCS = 'https://learn.microsoft.com/sql';
const TRANSACTION_DOCS = [`${DOCS}/t-sql/statements/set-xact-abort-transact-sql`, `${DOCS}/t-sql/language-elements/begin-transaction-transact-sql`];
const UPSERT_DOCS = [
  `${DOCS}/t-sql/queries/hints-transact-sql-table`,
  `${DOCS}/relational-databases/sql-server-transaction-locking-and-row-versioning-guide`,
  `${DOCS}/t-sql/functions/rowcount-transact-sql`,
];
/** Resource of the application lock that serialises concurrent schema creation. */
export const SQL_SERVER_OPS_SCHEMA_LOCK = 'polecat:ops-schema';

/**
 * Creates the three tables unless they exist, race-safe: one transaction that first takes an
 * exclusive TRANSACTION-owned application lock (`sp_getapplock`, released at commit), so two
 * nodes starting together create the tables one after the other and the second sees them.
 * `@nodesName` etc. are `schema.table` for `OBJECT_ID`. Keys are binary collations (exact match).
 * The intents key is a NONCLUSTERED primary key (1 016 bytes: over the 900-byte clustered limit,
 * within the 1 700-byte nonclustered one).
 */
export const CREATE_OPS_TABLES: SqlServerOpsStatement = {
  name: 'create the ops tables',
  sql: (t) => `SET NOCOUNT ON;
SET XACT_ABORT ON;
BEGIN TRANSACTION;
DECLARE @rc int;
EXEC @rc = sys.sp_getapplock @Resource = N'${SQL_SERVER_OPS_SCHEMA_LOCK}', @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 30000, @DbPrincipal = 'public';
IF @rc < 0 THROW 51000, N'polecat: timed out waiting for another node creating the ops tables', 1;
IF OBJECT_ID(@nodesName, N'U') IS NULL
CREATE TABLE ${t.nodes} (
  node_id    nvarchar(48)   COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
  host       nvarchar(255)  NOT NULL,
  pid        int            NOT NULL,
  version    nvarchar(200)  NOT NULL,
  started_at datetime2      NOT NULL,
  seen_at    datetime2      NOT NULL,
  sets       nvarchar(max)  NOT NULL DEFAULT N'[]',
  owned      nvarchar(max)  NOT NULL DEFAULT N'[]'
);
IF OBJECT_ID(@intentsName, N'U') IS NULL
CREATE TABLE ${t.intents} (
  kind         varchar(8)     NOT NULL CHECK (kind IN ('pause', 'drain')),
  target       nvarchar(500)  COLLATE Latin1_General_100_BIN2 NOT NULL,
  requested_by nvarchar(200)  NOT NULL,
  requested_at datetime2      NOT NULL DEFAULT SYSUTCDATETIME(),
  reason       nvarchar(2000) NULL,
  PRIMARY KEY NONCLUSTERED (kind, target)
);
IF OBJECT_ID(@logName, N'U') IS NULL
CREATE TABLE ${t.log} (
  id           bigint IDENTITY(1, 1) NOT NULL PRIMARY KEY,
  action       varchar(8)     NOT NULL CHECK (action IN ('pause', 'resume', 'drain', 'undrain')),
  target       nvarchar(500)  NOT NULL,
  requested_by nvarchar(200)  NOT NULL,
  requested_at datetime2      NOT NULL DEFAULT SYSUTCDATETIME(),
  reason       nvarchar(2000) NULL
);
COMMIT TRANSACTION;`,
  docs: [
    `${DOCS}/relational-databases/system-stored-procedures/sp-getapplock-transact-sql`,
    `${DOCS}/t-sql/functions/object-id-transact-sql`,
    `${DOCS}/t-sql/statements/create-table-transact-sql`,
    `${DOCS}/sql-server/maximum-capacity-specifications-for-sql-server`,
    `${DOCS}/t-sql/language-elements/throw-transact-sql`,
    ...TRANSACTION_DOCS,
  ],
};

/** Which of the three tables exist: columns `nodes`, `intents`, `log` (object ids, NULL when missing). */
export const FIND_OPS_TABLES: SqlServerOpsStatement = {
  name: 'find the ops tables',
  sql: () => `SELECT OBJECT_ID(@nodesName, N'U') AS nodes, OBJECT_ID(@intentsName, N'U') AS intents, OBJECT_ID(@logName, N'U') AS log;`,
  docs: [`${DOCS}/t-sql/functions/object-id-transact-sql`],
};

/** A node's registry entry, upserted in one transaction (`UPDATE ... WITH (UPDLOCK, HOLDLOCK)`, then `INSERT`). */
export const REGISTER_NODE: SqlServerOpsStatement = {
  name: 'register a node',
  sql: (t) => `SET NOCOUNT ON;
SET XACT_ABORT ON;
BEGIN TRANSACTION;
UPDATE ${t.nodes} WITH (UPDLOCK, HOLDLOCK)
SET host = @host, pid = @pid, version = @version, started_at = @startedAt, seen_at = SYSUTCDATETIME(), sets = @sets, owned = @owned
WHERE node_id = @nodeId;
IF @@ROWCOUNT = 0
  INSERT INTO ${t.nodes} (node_id, host, pid, version, started_at, seen_at, sets, owned)
  VALUES (@nodeId, @host, @pid, @version, @startedAt, SYSUTCDATETIME(), @sets, @owned);
COMMIT TRANSACTION;`,
  docs: [`${DOCS}/t-sql/queries/update-transact-sql`, `${DOCS}/t-sql/statements/insert-transact-sql`, ...UPSERT_DOCS, ...TRANSACTION_DOCS],
};

/** The registry rows (`sets`, `owned`: JSON text). */
export const READ_NODES: SqlServerOpsStatement = {
  name: 'read the registry',
  sql: (t) => `SELECT node_id, host, pid, version, started_at, seen_at, sets, owned FROM ${t.nodes};`,
  docs: [`${DOCS}/t-sql/queries/select-transact-sql`],
};

/** The intents in force. */
export const READ_INTENTS: SqlServerOpsStatement = {
  name: 'read the intents',
  sql: (t) => `SELECT kind, target, requested_by, requested_at, reason FROM ${t.intents};`,
  docs: [`${DOCS}/t-sql/queries/select-transact-sql`],
};

/**
 * Records an intent (`@kind`, `@target`) and its log line (`@action`) in one transaction (the
 * intent upserted with `UPDLOCK, HOLDLOCK`), then returns the intent row.
 */
export const RECORD_INTENT: SqlServerOpsStatement = {
  name: 'record an intent',
  sql: (t) => `SET NOCOUNT ON;
SET XACT_ABORT ON;
BEGIN TRANSACTION;
UPDATE ${t.intents} WITH (UPDLOCK, HOLDLOCK)
SET requested_by = @by, requested_at = SYSUTCDATETIME(), reason = @reason
WHERE kind = @kind AND target = @target;
IF @@ROWCOUNT = 0
  INSERT INTO ${t.intents} (kind, target, requested_by, reason) VALUES (@kind, @target, @by, @reason);
INSERT INTO ${t.log} (action, target, requested_by, reason) VALUES (@action, @target, @by, @reason);
COMMIT TRANSACTION;
SELECT kind, target, requested_by, requested_at, reason FROM ${t.intents} WHERE kind = @kind AND target = @target;`,
  docs: [`${DOCS}/t-sql/queries/update-transact-sql`, `${DOCS}/t-sql/statements/insert-transact-sql`, ...UPSERT_DOCS, ...TRANSACTION_DOCS],
};

/** Removes an intent and, when there was one, logs `@action`, in one transaction; row `removed` (0 or 1). */
export const REMOVE_INTENT: SqlServerOpsStatement = {
  name: 'remove an intent',
  sql: (t) => `SET NOCOUNT ON;
SET XACT_ABORT ON;
BEGIN TRANSACTION;
DECLARE @removed int;
DELETE FROM ${t.intents} WHERE kind = @kind AND target = @target;
SET @removed = @@ROWCOUNT;
IF @removed > 0
  INSERT INTO ${t.log} (action, target, requested_by, reason) VALUES (@action, @target, @by, @reason);
COMMIT TRANSACTION;
SELECT @removed AS removed;`,
  docs: [
    `${DOCS}/t-sql/statements/delete-transact-sql`,
    `${DOCS}/t-sql/statements/insert-transact-sql`,
    `${DOCS}/t-sql/functions/rowcount-transact-sql`,
    ...TRANSACTION_DOCS,
  ],
};

/**
 * Session-owned APPLICATION locks granted in this database, with the holder's `program_name`
 * (`polecat:{nodeId}`). Needs `VIEW SERVER STATE` (2019) / `VIEW SERVER PERFORMANCE STATE` (2022).
 */
export const LOCK_HOLDERS_SQL = `SELECT l.request_session_id AS session_id, l.resource_description, s.program_name
  FROM sys.dm_tran_locks AS l
  JOIN sys.dm_exec_sessions AS s ON s.session_id = l.request_session_id
 WHERE l.resource_type = N'APPLICATION' AND l.request_owner_type = N'SESSION'
   AND l.request_status = N'GRANT' AND l.resource_database_id = DB_ID()`;

/** The sessions of polecat nodes in this database, and the server's time. */
export const POLECAT_SESSIONS_SQL = `SELECT session_id, program_name, SYSUTCDATETIME() AS at
  FROM sys.dm_exec_sessions WHERE database_id = DB_ID() AND program_name LIKE N'polecat:%'`;

/** Whether some session holds `@resource` (`grantable` 0): read-only, takes no lock. */
export const APPLOCK_HELD_SQL = `SELECT APPLOCK_TEST(N'public', @resource, N'Exclusive', N'Session') AS grantable`;

/** Every statement of the SQL Server ops code (registry, intents, cluster view). */
export const SQL_SERVER_OPS_STATEMENTS: readonly SqlServerOpsStatement[] = [
  CREATE_OPS_TABLES,
  FIND_OPS_TABLES,
  REGISTER_NODE,
  READ_NODES,
  READ_INTENTS,
  RECORD_INTENT,
  REMOVE_INTENT,
  {
    name: 'lock holders',
    sql: () => LOCK_HOLDERS_SQL,
    docs: [
      `${DOCS}/relational-databases/system-dynamic-management-views/sys-dm-tran-locks-transact-sql`,
      `${DOCS}/relational-databases/system-dynamic-management-views/sys-dm-exec-sessions-transact-sql`,
    ],
  },
  {
    name: 'polecat sessions',
    sql: () => POLECAT_SESSIONS_SQL,
    docs: [`${DOCS}/relational-databases/system-dynamic-management-views/sys-dm-exec-sessions-transact-sql`],
  },
  { name: 'is a lock held', sql: () => APPLOCK_HELD_SQL, docs: [`${DOCS}/t-sql/functions/applock-test-transact-sql`] },
];
