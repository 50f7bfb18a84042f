/**
 * The T-SQL the benchmarks send themselves (besides what `SqlServerAppLock` sends, listed in
 * `@polecat/app-lock`'s `sql-server-sql.ts`, and the admin's `KILL` in `@polecat/test-utils`), with
 * the Microsoft pages that document it: the "one round trip per id" baseline of benchmark 4, and the
 * tenant databases of benchmark 5 (created and dropped per run).
 */

/** Takes one session lock on the raw baseline connection; row `code` (the return value). */
export const RAW_ACQUIRE_SQL =
  "DECLARE @code int; EXEC @code = sp_getapplock @Resource = @r, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0, @DbPrincipal = 'public'; SELECT @code AS code;";

/** Reads the mode of one session lock; row `mode`. */
export const RAW_VERIFY_SQL = "SELECT APPLOCK_MODE('public', @r, 'Session') AS mode";

const DATABASE_NAME = /^[a-z][a-z0-9_]{0,99}$/;

function checkedName(name: string): string {
  if (!DATABASE_NAME.test(name)) throw new Error(`not a bench database name: ${JSON.stringify(name)}`);
  return name;
}

/** Creates one tenant database of benchmark 5 (CREATE DATABASE takes no variable: the name is checked, then bracket-quoted). */
export function sqlServerCreateDatabaseSql(name: string): string {
  return `CREATE DATABASE [${checkedName(name)}];`;
}

/** Drops one database of benchmark 5 after the run (its node processes have exited). */
export function sqlServerDropDatabaseSql(name: string): string {
  return `DROP DATABASE IF EXISTS [${checkedName(name)}];`;
}

/** Every statement above with its documentation (the database statements shown for `polecat_bench_t0001`). */
export const BENCH_SQL_SERVER_STATEMENTS: readonly { readonly sql: string; readonly docs: readonly string[] }[] = [
  { sql: RAW_ACQUIRE_SQL, docs: ['https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-getapplock-transact-sql'] },
  { sql: RAW_VERIFY_SQL, docs: ['https://learn.microsoft.com/sql/t-sql/functions/applock-mode-transact-sql'] },
  { sql: sqlServerCreateDatabaseSql('polecat_bench_t0001'), docs: ['https://learn.microsoft.com/sql/t-sql/statements/create-database-transact-sql'] },
  { sql: sqlServerDropDatabaseSql('polecat_bench_t0001'), docs: ['https://learn.microsoft.com/sql/t-sql/statements/drop-database-transact-sql'] },
];
