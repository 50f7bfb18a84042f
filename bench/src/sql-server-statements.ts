/**
 * The T-SQL the benchmarks send themselves (besides what `SqlServerAppLock` sends, listed in
 * `@polecat/app-lock`'s `sql-server-sql.ts`, and the admin's `KILL` in `@polecat/test-utils`), with
 * the Microsoft pages that document it: the "one round trip per id" baseline of benchmark 4.
 */

/** Takes one session lock on the raw baseline connection; row `code` (the return value). */
export const RAW_ACQUIRE_SQL =
  "DECLARE @code int; EXEC @code = sp_getapplock @Resource = @r, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0, @DbPrincipal = 'public'; SELECT @code AS code;";

/** Reads the mode of one session lock; row `mode`. */
export const RAW_VERIFY_SQL = "SELECT APPLOCK_MODE('public', @r, 'Session') AS mode";

/** Every statement above with its documentation. */
export const BENCH_SQL_SERVER_STATEMENTS: readonly { readonly sql: string; readonly docs: readonly string[] }[] = [
  { sql: RAW_ACQUIRE_SQL, docs: ['https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-getapplock-transact-sql'] },
  { sql: RAW_VERIFY_SQL, docs: ['https://learn.microsoft.com/sql/t-sql/functions/applock-mode-transact-sql'] },
];
