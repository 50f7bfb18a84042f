/**
 * Every T-SQL statement the test helpers send to SQL Server (`sql-server.ts`: the login probe and
 * the admin connection), each with the Microsoft pages that document what it relies on. Values are
 * bound parameters, except the session id of `KILL`, which takes no variable (an integer read from
 * the server). A test checks that each batch the helpers send is one of these.
 */

/** One statement: its name, its text, the pages that document it. */
export interface TestUtilsSqlServerStatement {
  readonly name: string;
  readonly sql: string;
  readonly docs: readonly string[];
}

const DOCS = 'https://learn.microsoft.com/sql';
const SESSIONS_DOCS = `${DOCS}/relational-databases/system-dynamic-management-views/sys-dm-exec-sessions-transact-sql`;

/** The first login's proof that the server answers (retried until the container accepts logins). */
export const LOGIN_PROBE_SQL = 'SELECT 1 AS ok';
/** Session ids with `program_name = @app`, the admin's own excluded. */
export const SESSION_IDS_SQL = 'SELECT session_id AS id FROM sys.dm_exec_sessions WHERE program_name = @app AND session_id <> @@SPID ORDER BY session_id';
/** How many sessions have a `program_name` starting with `@prefix`, the admin's own excluded. */
export const COUNT_SESSIONS_SQL = 'SELECT COUNT(*) AS n FROM sys.dm_exec_sessions WHERE LEFT(program_name, LEN(@prefix)) = @prefix AND session_id <> @@SPID';

/** `KILL <session id>`: the id must be an integer (KILL takes no variable). */
export function killSql(sessionId: number): string {
  if (!Number.isSafeInteger(sessionId) || sessionId <= 0) throw new Error(`not a session id: ${String(sessionId)}`);
  return `KILL ${sessionId}`;
}

/** EVERY statement `sql-server.ts` sends (`KILL` shown for session 51). */
export const TEST_UTILS_SQL_SERVER_STATEMENTS: readonly TestUtilsSqlServerStatement[] = [
  { name: 'login probe', sql: LOGIN_PROBE_SQL, docs: [`${DOCS}/t-sql/queries/select-transact-sql`] },
  { name: 'session ids by program name', sql: SESSION_IDS_SQL, docs: [SESSIONS_DOCS, `${DOCS}/t-sql/functions/spid-transact-sql`] },
  {
    name: 'count sessions by program-name prefix',
    sql: COUNT_SESSIONS_SQL,
    docs: [SESSIONS_DOCS, `${DOCS}/t-sql/functions/left-transact-sql`, `${DOCS}/t-sql/functions/len-transact-sql`],
  },
  { name: 'kill a session', sql: killSql(51), docs: [`${DOCS}/t-sql/language-elements/kill-transact-sql`] },
];

/** `true` when `batch` is a listed statement (any session id for `KILL`). */
export function isListedTestUtilsStatement(batch: string): boolean {
  return TEST_UTILS_SQL_SERVER_STATEMENTS.some((statement) => statement.sql === batch) || /^KILL [1-9][0-9]*$/.test(batch);
}
