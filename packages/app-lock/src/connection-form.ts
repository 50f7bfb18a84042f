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

/** libpq's connection keywords (PostgreSQL documentation, "Parameter Key Words"). */
export const LIBPQ_KEYWORDS: ReadonlySet<string> = new Set([
  'host',
  'hostaddr',
  'port',
  'dbname',
  'user',
  'password',
  'passfile',
  'require_auth',
  'channel_binding',
  'connect_timeout',
  'client_encoding',
  'options',
  'application_name',
  'fallback_application_name',
  'keepalives',
  'keepalives_idle',
  'keepalives_interval',
  'keepalives_count',
  'tcp_user_timeout',
  'replication',
  'gssencmode',
  'sslmode',
  'requiressl',
  'sslcompression',
  'sslcert',
  'sslkey',
  'sslpassword',
  'sslcertmode',
  'sslrootcert',
  'sslcrl',
  'sslcrldir',
  'sslsni',
  'requirepeer',
  'ssl_min_protocol_version',
  'ssl_max_protocol_version',
  'krbsrvname',
  'gsslib',
  'gssdelegation',
  'service',
  'target_session_attrs',
  'load_balance_hosts',
]);

const SQL_SERVER_SERVER_KEYS = /(?:^|;)\s*(?:server|data source|address|addr|network address)\s*=/i;

/** How connection strings of one database backend look, and what the backend needs. */
export interface ConnectionBackendSpec {
  /** Backend name, as `AppLock.backend` reports it (`postgres`, `sqlserver`). */
  readonly backend: string;
  /** The database's name in messages (`PostgreSQL`). */
  readonly label: string;
  /** The driver package, an optional peer dependency (`pg`). */
  readonly driver: string;
  /** The accepted forms in words, for error messages. */
  readonly accepted: string;
  /** The form of this backend's URLs, and their schemes (lower case, without `://`). */
  readonly url: { readonly form: ConnectionStringForm; readonly schemes: readonly string[] };
  /**
   * The form of this backend's keyword/value strings and its test (the string is trimmed and has
   * no URL scheme). Tests run in ascending `precedence`: an unambiguous marker first.
   */
  readonly keywords: { readonly form: ConnectionStringForm; readonly precedence: number; matches(text: string): boolean };
}

/**
 * The database backends a connection string can name: the ONE list that detection
 * ({@link connectionStringForm}, {@link connectionStringBackend}), error messages
 * ({@link ACCEPTED_CONNECTION_FORMS}) and the umbrella's `lockFactoryFor` (which keeps one loader
 * per `backend`) read. A new backend adds its row here (and its forms to {@link CONNECTION_STRING_FORMS}).
 */
export const CONNECTION_BACKENDS = [
  {
    backend: 'postgres',
    label: 'PostgreSQL',
    driver: 'pg',
    accepted: 'a PostgreSQL URL (postgres://user@host:5432/db or postgresql://...), PostgreSQL keyword/value pairs (host=... dbname=... user=...)',
    url: { form: 'postgres-url', schemes: ['postgres', 'postgresql'] },
    keywords: {
      form: 'postgres-keywords',
      precedence: 1,
      matches: (text: string): boolean => {
        const first = /^([a-z_]+)\s*=/i.exec(text)?.[1]?.toLowerCase();
        return first !== undefined && LIBPQ_KEYWORDS.has(first);
      },
    },
  },
  {
    backend: 'sqlserver',
    label: 'SQL Server',
    driver: 'mssql',
    accepted:
      'a SQL Server connection string (Server=...;Database=...; or Data Source=...;Initial Catalog=...;) or a SQL Server URL (mssql://... or sqlserver://...)',
    url: { form: 'sql-server-url', schemes: ['mssql', 'sqlserver'] },
    // a server key anywhere is unambiguous: it wins over a leading libpq keyword
    keywords: { form: 'sql-server-keywords', precedence: 0, matches: (text: string): boolean => SQL_SERVER_SERVER_KEYS.test(text) },
  },
] as const satisfies readonly ConnectionBackendSpec[];

/** The `backend` of one of {@link CONNECTION_BACKENDS}: `'postgres' | 'sqlserver'`. */
export type ConnectionBackend = (typeof CONNECTION_BACKENDS)[number]['backend'];

/** The accepted forms in words, for error messages (never the string itself: it may hold a password). */
export const ACCEPTED_CONNECTION_FORMS: string = CONNECTION_BACKENDS.map((spec) => spec.accepted).join(', ');

const BY_KEYWORD_PRECEDENCE: readonly ConnectionBackendSpec[] = [...CONNECTION_BACKENDS].sort((a, b) => a.keywords.precedence - b.keywords.precedence);

/**
 * The form of `connection` (see {@link CONNECTION_STRING_FORMS}), or `undefined` when it has none
 * of them (a typo such as `postgress://`, `mysql://`, `postgresql//user@host`, free text).
 */
export function connectionStringForm(connection: string): ConnectionStringForm | undefined {
  return detect(connection)?.form;
}

/**
 * The backend `connection` is for, recognised by its form (see {@link CONNECTION_BACKENDS});
 * `undefined` when it has no recognised form.
 */
export function connectionStringBackend(connection: string): ConnectionBackend | undefined {
  return detect(connection)?.spec.backend as ConnectionBackend | undefined;
}

function detect(connection: string): { form: ConnectionStringForm; spec: ConnectionBackendSpec } | undefined {
  const text = connection.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    const spec = CONNECTION_BACKENDS.find((candidate) => (candidate.url.schemes as readonly string[]).includes(scheme));
    return spec === undefined ? undefined : { form: spec.url.form, spec }; // another scheme: no form
  }
  const spec = BY_KEYWORD_PRECEDENCE.find((candidate) => candidate.keywords.matches(text));
  return spec === undefined ? undefined : { form: spec.keywords.form, spec };
}
