/**
 * The T-SQL batches of the SQL Server lock session. Resource names never appear in this text: they
 * travel as ONE `nvarchar(max)` JSON array parameter `@names`, unpacked with `OPENJSON`
 * (https://learn.microsoft.com/sql/t-sql/functions/openjson-transact-sql; needs database
 * compatibility level 130, SQL Server 2016+), so each batch is one round trip whatever the number
 * of names and no name can inject SQL. Every batch returns one row per name, in order (`idx` is
 * the array index), and `@@SPID` so the session can prove it still talks to the same server session.
 */

/** Iterates `@names` in order into `@idx`/`@resource`, running `body` for each (cursor is LOCAL). */
function forEachName(body: string): string {
  return `DECLARE @idx int, @resource nvarchar(255), @rc int;
DECLARE @result TABLE (idx int NOT NULL PRIMARY KEY, rc int NULL);
DECLARE polecat_names CURSOR LOCAL FAST_FORWARD FOR
  SELECT CAST(j.[key] AS int), CAST(j.[value] AS nvarchar(255)) FROM OPENJSON(@names) AS j ORDER BY CAST(j.[key] AS int);
OPEN polecat_names;
FETCH NEXT FROM polecat_names INTO @idx, @resource;
WHILE @@FETCH_STATUS = 0
BEGIN
${body}
  INSERT INTO @result (idx, rc) VALUES (@idx, @rc);
  FETCH NEXT FROM polecat_names INTO @idx, @resource;
END;
CLOSE polecat_names;
DEALLOCATE polecat_names;
SELECT r.idx AS idx, r.rc AS rc, @@SPID AS spid FROM @result AS r ORDER BY r.idx;`;
}

/**
 * Requests each name: `sp_getapplock` Exclusive, owner Session, principal public, timeout
 * `@lockTimeout` ms (0 = do not wait). Row: `idx`, `rc` (the return value), `spid`.
 * https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-getapplock-transact-sql
 */
export const ACQUIRE_SQL = `SET NOCOUNT ON;
${forEachName(`  SET @rc = NULL;
  EXEC @rc = sys.sp_getapplock @Resource = @resource, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = @lockTimeout, @DbPrincipal = 'public';`)}`;

/**
 * Asks, for each name, the mode this session holds: row `idx`, `mode` (`Exclusive` when held,
 * `NoLock` when not), `spid`. Read-only: `APPLOCK_MODE` takes no lock.
 * https://learn.microsoft.com/sql/t-sql/functions/applock-mode-transact-sql
 */
export const VERIFY_SQL = `SET NOCOUNT ON;
SELECT CAST(j.[key] AS int) AS idx, APPLOCK_MODE('public', CAST(j.[value] AS nvarchar(255)), 'Session') AS mode, @@SPID AS spid
FROM OPENJSON(@names) AS j ORDER BY CAST(j.[key] AS int);`;

/**
 * Asks, for each name, whether ANY session could block an exclusive session lock on it: row `idx`,
 * `grantable` (`APPLOCK_TEST('public', name, 'Exclusive', 'Session')`: 1 grantable, 0 held by
 * another session), `spid`. Read-only: takes no lock. A lock held by THIS session is grantable
 * (compatible with itself), so callers add their own held names (SessionAppLock does).
 * https://learn.microsoft.com/sql/t-sql/functions/applock-test-transact-sql
 */
export const PROBE_SQL = `SET NOCOUNT ON;
SELECT CAST(j.[key] AS int) AS idx, APPLOCK_TEST('public', CAST(j.[value] AS nvarchar(255)), 'Exclusive', 'Session') AS grantable, @@SPID AS spid
FROM OPENJSON(@names) AS j ORDER BY CAST(j.[key] AS int);`;

/**
 * Releases each name this session holds, as many times as it is held (so a stacked lock, which
 * this library never creates, could not survive a release), stopping on a failure. Names not held
 * are skipped: `sp_releaseapplock` raises error 1223 for them. Row: `idx`, `rc` (last return
 * value; NULL when it was not held), `spid`.
 * https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-releaseapplock-transact-sql
 */
export const RELEASE_SQL = `SET NOCOUNT ON;
${forEachName(`  SET @rc = NULL;
  WHILE APPLOCK_MODE('public', @resource, 'Session') <> 'NoLock' AND (@rc IS NULL OR @rc = 0)
    EXEC @rc = sys.sp_releaseapplock @Resource = @resource, @LockOwner = 'Session', @DbPrincipal = 'public';`)}`;

/** The statement prepared to pin the connection; executing it returns the session id. */
export const SPID_SQL = 'SELECT @@SPID AS spid';

/** One statement the SQL Server lock sends, with the Microsoft pages that document what it relies on. */
export interface SqlServerStatement {
  readonly name: string;
  readonly sql: string;
  readonly docs: readonly string[];
}

const DOCS = 'https://learn.microsoft.com/sql';
const OPENJSON_DOCS = `${DOCS}/t-sql/functions/openjson-transact-sql`;

/**
 * EVERY statement the SQL Server lock sends (this package sends no other T-SQL), each with its
 * Microsoft documentation. A test checks that each statement the session sends is listed here.
 */
export const SQL_SERVER_STATEMENTS: readonly SqlServerStatement[] = [
  { name: 'pin the session', sql: SPID_SQL, docs: [`${DOCS}/t-sql/functions/spid-transact-sql`] },
  {
    name: 'acquire (and wait for) session locks',
    sql: ACQUIRE_SQL,
    docs: [
      `${DOCS}/relational-databases/system-stored-procedures/sp-getapplock-transact-sql`,
      OPENJSON_DOCS,
      `${DOCS}/t-sql/language-elements/declare-cursor-transact-sql`,
      `${DOCS}/t-sql/statements/set-nocount-transact-sql`,
    ],
  },
  { name: 'verify session locks', sql: VERIFY_SQL, docs: [`${DOCS}/t-sql/functions/applock-mode-transact-sql`, OPENJSON_DOCS] },
  { name: 'probe locks of any session', sql: PROBE_SQL, docs: [`${DOCS}/t-sql/functions/applock-test-transact-sql`, OPENJSON_DOCS] },
  {
    name: 'release session locks',
    sql: RELEASE_SQL,
    docs: [
      `${DOCS}/relational-databases/system-stored-procedures/sp-releaseapplock-transact-sql`,
      `${DOCS}/t-sql/functions/applock-mode-transact-sql`,
      OPENJSON_DOCS,
    ],
  },
];
