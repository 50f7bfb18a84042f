/**
 * The forms of connection string Polecat recognises, each by its own shape (never "anything that
 * is not X"):
 * - `postgres-url`: `postgres://...` or `postgresql://...`;
 * - `postgres-keywords`: libpq keyword/value pairs separated by spaces (`host=db dbname=app user=app`);
 * - `sql-server-url`: `mssql://...` or `sqlserver://...`;
 * - `sql-server-keywords`: ADO.NET-style `key=value;` pairs naming a server (`Server=db;Database=app;...`,
 *   `Data Source=db,1433;Initial Catalog=app;...`).
 */
export const CONNECTION_STRING_FORMS = ['postgres-url', 'postgres-keywords', 'sql-server-url', 'sql-server-keywords'] as const;

/** One of {@link CONNECTION_STRING_FORMS}. */
export type ConnectionStringForm = (typeof CONNECTION_STRING_FORMS)[number];

/** The accepted forms in words, for error messages (never the string itself: it may hold a password). */
export const ACCEPTED_CONNECTION_FORMS =
  "a PostgreSQL URL (postgres://user@host:5432/db or postgresql://...), PostgreSQL keyword/value pairs (host=... dbname=... user=...), " +
  'a SQL Server connection string (Server=...;Database=...; or Data Source=...;Initial Catalog=...;) or a SQL Server URL (mssql://... or sqlserver://...)';

/** libpq's connection keywords (PostgreSQL documentation, "Parameter Key Words"). */
export const LIBPQ_KEYWORDS: ReadonlySet<string> = new Set([
  'host', 'hostaddr', 'port', 'dbname', 'user', 'password', 'passfile', 'require_auth', 'channel_binding',
  'connect_timeout', 'client_encoding', 'options', 'application_name', 'fallback_application_name',
  'keepalives', 'keepalives_idle', 'keepalives_interval', 'keepalives_count', 'tcp_user_timeout',
  'replication', 'gssencmode', 'sslmode', 'requiressl', 'sslcompression', 'sslcert', 'sslkey', 'sslpassword',
  'sslcertmode', 'sslrootcert', 'sslcrl', 'sslcrldir', 'sslsni', 'requirepeer', 'ssl_min_protocol_version',
  'ssl_max_protocol_version', 'krbsrvname', 'gsslib', 'gssdelegation', 'service', 'target_session_attrs',
  'load_balance_hosts',
]);

const SQL_SERVER_SERVER_KEYS = /(?:^|;)\s*(?:server|data source|address|addr|network address)\s*=/i;

/**
 * The form of `connection` (see {@link CONNECTION_STRING_FORMS}), or `undefined` when it has none
 * of them (a typo such as `postgress://`, `mysql://`, `postgresql//user@host`, free text).
 */
export function connectionStringForm(connection: string): ConnectionStringForm | undefined {
  const text = connection.trim();
  if (/^postgres(?:ql)?:\/\//i.test(text)) return 'postgres-url';
  if (/^(?:mssql|sqlserver):\/\//i.test(text)) return 'sql-server-url';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return undefined; // another scheme
  if (SQL_SERVER_SERVER_KEYS.test(text)) return 'sql-server-keywords';
  const first = /^([a-z_]+)\s*=/i.exec(text)?.[1]?.toLowerCase();
  if (first !== undefined && LIBPQ_KEYWORDS.has(first)) return 'postgres-keywords';
  return undefined;
}
