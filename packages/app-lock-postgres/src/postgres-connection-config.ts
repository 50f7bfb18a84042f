/**
 * The connection settings {@link PostgresAppLock} accepts as an object: the `pg.ClientConfig`
 * fields most deployments use, declared here so that TypeScript users need no `@types/pg`. Any
 * other `pg.ClientConfig` field is passed through to `pg.Client` unchanged.
 */
export interface PostgresConnectionConfig {
  /** A full connection string (`postgres://user:password@host:5432/db?sslmode=require`). */
  readonly connectionString?: string;
  /** Default `localhost` (pg's default, or `PGHOST`). */
  readonly host?: string;
  /** Default `5432`. */
  readonly port?: number;
  readonly user?: string;
  /** Never appears in errors or logs. */
  readonly password?: string | (() => string | Promise<string>);
  readonly database?: string;
  /** `true`, or Node TLS options (`ca`, `rejectUnauthorized`, ...). */
  readonly ssl?: boolean | Record<string, unknown>;
  /** Server start-up options (`-c name=value ...`), passed through (poolers such as PgBouncer reject them; the lock applies its own keepalive settings with `SET` after connecting). */
  readonly options?: string;
  /** Further `pg.ClientConfig` fields, passed through. */
  readonly [option: string]: unknown;
}

/** A connection string or a {@link PostgresConnectionConfig}. */
export type PostgresConnection = string | PostgresConnectionConfig;

/**
 * Server-side TCP settings of the lock session (`tcp_keepalives_idle`, `_interval`, `_count`,
 * `tcp_user_timeout`), set with `SET` right after connecting (so PgBouncer, which rejects the
 * `options` start-up parameter, accepts the connection). `0` keeps the operating system's default
 * for that setting (Linux: 7200 s idle, 75 s interval, 9 probes, no user timeout).
 */
export interface ServerKeepAlive {
  /** Seconds of idleness before the server's first probe. */
  readonly idleSeconds: number;
  /** Seconds between probes. */
  readonly intervalSeconds: number;
  /** Unanswered probes before the server drops the session (and frees its locks). */
  readonly count: number;
  /**
   * `tcp_user_timeout` in ms (PostgreSQL 12+; ignored by older servers): how long data the server
   * sent may stay unacknowledged before it drops the connection; on Linux it also ends the
   * keepalive probing early. Default: `(idleSeconds + intervalSeconds x count) x 1000`.
   */
  readonly userTimeoutMs?: number;
}
