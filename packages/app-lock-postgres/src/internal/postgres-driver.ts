import pg from 'pg';
import { AppLockError, connectionStringForm, redactConnectionString, type LockId, type LockSession, type LockSessionDriver } from '@polecat/app-lock';
import type { PostgresConnection, PostgresConnectionConfig, ServerKeepAlive } from '../postgres-connection-config';
import { parsePostgresKeywordString } from '../postgres-keyword-string';
import { linkSignals } from '@polecat/kit';
import { proveDedicatedSession } from './pooler-check';
import { CLIENT_CHECK_SQL, sessionSettings } from './session-setup';
import { MOVED_SQLSTATE, SESSION_SETUP_SQL, guardedListenSql } from './lock-sql';
import { invalidConfiguration, postgresLockError, sqlStateOf, unsafeConnection } from './postgres-errors';
import { postgresLockKey } from '../postgres-lock-key';
import { PostgresSession, destroyClient } from './postgres-session';
import { ReleaseNotices } from './release-notices';

/** What the driver needs, already defaulted by `PostgresAppLock`. */
export interface PostgresDriverSettings {
  readonly connection: PostgresConnection;
  readonly applicationName: string;
  readonly connectTimeoutMs: number;
  readonly keepAliveInitialDelayMs: number;
  readonly serverKeepAlive: ServerKeepAlive | false;
  /** `LISTEN`/`NOTIFY` channel of release notices; `false`: none. */
  readonly releaseChannel: string | false;
}

/** Opens dedicated `pg.Client` lock sessions and maps ids to advisory-lock keys. */
export class PostgresDriver implements LockSessionDriver<string> {
  readonly backend = 'postgres';
  readonly target: string;
  /** Release notices heard on this driver's sessions; `undefined` when `releaseChannel` is `false`. */
  readonly notices: ReleaseNotices | undefined;
  readonly #settings: PostgresDriverSettings;
  /** The connection as a pg config (keyword/value strings parsed, URLs as `connectionString`). */
  readonly #config: PostgresConnectionConfig;

  constructor(settings: PostgresDriverSettings) {
    this.#settings = settings;
    this.#config = toPostgresConfig(settings.connection);
    this.target = describeTarget(settings.connection);
    this.notices = settings.releaseChannel === false ? undefined : new ReleaseNotices(settings.releaseChannel);
  }

  toKey(id: LockId): string {
    return postgresLockKey(id);
  }

  /**
   * Opens the lock session and makes it usable: start-up, the proof that the server session is
   * dedicated (`proveDedicatedSession`: before anything changes it), then, guarded by the proven
   * backend pid, the session settings (TCP keepalives and user timeout) and `LISTEN`. The
   * WHOLE sequence is bounded by `connectTimeoutMs` and `signal`: on either the socket is destroyed
   * and the call rejects at once (a server that accepts the start-up and then drops every packet
   * can otherwise keep a `LISTEN` pending for ever).
   */
  async connect(signal?: AbortSignal): Promise<LockSession<string>> {
    signal?.throwIfAborted();
    const { applicationName, connectTimeoutMs, keepAliveInitialDelayMs, serverKeepAlive } = this.#settings;
    const base = this.#config;
    const linked = linkSignals([signal], connectTimeoutMs);
    const stop = linked.signal;
    let config: pg.ClientConfig;
    let client: pg.Client;
    try {
      config = {
        ...(base as pg.ClientConfig),
        application_name: applicationName,
        keepAlive: true,
        keepAliveInitialDelayMillis: keepAliveInitialDelayMs,
        connectionTimeoutMillis: connectTimeoutMs,
      };
      client = new pg.Client(config);
    } catch (error) {
      throw invalidConfiguration(`Invalid PostgreSQL connection settings for ${this.target}: ${this.#scrub(error)}`);
    }
    // Until the session takes over, errors are reported through connect()'s rejection.
    const swallow = (): void => {};
    client.on('error', swallow);
    const onAbort = (): void => destroyClient(client);
    stop.addEventListener('abort', onAbort, { once: true });
    const notices = this.notices;
    try {
      await client.connect();
      stop.throwIfAborted();
      // Nothing may change the server session before it is proven dedicated (see proveDedicatedSession).
      const pid = await proveDedicatedSession(client, config, this.target, stop);
      stop.throwIfAborted();
      const settings = sessionSettings(serverKeepAlive);
      const setup = await client.query<{ pid: number }>(SESSION_SETUP_SQL, [settings.map(([name]) => name), settings.map(([, value]) => value), pid]);
      stop.throwIfAborted();
      if (setup.rows[0]?.pid !== pid)
        throw unsafeConnection('moved', this.target, `proven backend ${pid}, the session settings ran on ${String(setup.rows[0]?.pid)}`);
      // A backend blocked in a lock wait (a member watcher's pg_advisory_lock) reads nothing from its
      // socket, so it would outlive a killed client until the wait ends; with this set (PostgreSQL 14+,
      // not on every platform: a refusal is ignored) it checks the client every second while it waits.
      await client.query(CLIENT_CHECK_SQL, [pid]).catch(() => undefined);
      stop.throwIfAborted();
      if (notices !== undefined) {
        notices.attach(client, pid);
        // A hint channel: a failed LISTEN (e.g. a read replica) only costs the early wake-ups; a
        // dead connection is reported through the session's close listener as usual. Guarded: a
        // LISTEN routed to another server session listens to nothing and refuses the connection.
        await client.query(guardedListenSql(notices.channel, pid)).catch((error: unknown) => {
          if (sqlStateOf(error) === MOVED_SQLSTATE) throw unsafeConnection('moved', this.target, `proven backend ${pid}, LISTEN was routed elsewhere`);
        });
        stop.throwIfAborted();
      }
      const session = new PostgresSession(client, pid, this.target, notices?.channel, (backendPid) => this.#cancelBackend(config, backendPid));
      client.off('error', swallow);
      return session;
    } catch (error) {
      destroyClient(client);
      if (signal?.aborted) throw signal.reason;
      if (linked.timedOut() && !AppLockError.is(error)) {
        throw postgresLockError(
          error,
          'connect',
          `The PostgreSQL lock session to ${this.target} was not usable within connectTimeoutMs = ${connectTimeoutMs} ms (connect, proof, settings, LISTEN)`,
        );
      }
      throw postgresLockError(error, 'connect', `Could not open a PostgreSQL lock session to ${this.target}: ${this.#scrub(error)}`);
    } finally {
      stop.removeEventListener('abort', onAbort);
      linked.unlink();
    }
  }

  /**
   * Cancels the statement running on backend `pid` (`pg_cancel_backend`) from a short-lived second
   * connection with the same settings, bounded by `connectTimeoutMs`. Used to end a waiting lock
   * request early (rare: re-targeting a watcher, stopping); the lock session itself stays usable.
   */
  async #cancelBackend(config: pg.ClientConfig, pid: number): Promise<void> {
    const canceller = new pg.Client(config);
    canceller.on('error', () => undefined);
    const linked = linkSignals([], this.#settings.connectTimeoutMs);
    const onAbort = (): void => destroyClient(canceller);
    linked.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await canceller.connect();
      const result = await canceller.query<{ cancelled: boolean }>('select pg_cancel_backend($1) as cancelled', [pid]);
      if (result.rows[0]?.cancelled !== true) throw new Error(`pg_cancel_backend(${pid}) did not signal the lock session`);
    } catch (error) {
      throw postgresLockError(error, 'cancel', `Could not cancel the waiting lock request on ${this.target}: ${this.#scrub(error)}`);
    } finally {
      linked.unlink();
      canceller.end().catch(() => destroyClient(canceller));
    }
  }

  /** The driver error's message and code, with any password removed. */
  #scrub(error: unknown): string {
    let text = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code !== '' && !text.includes(code)) text = `${text} (${code})`;
    for (const secret of secretsOf(this.#config)) text = text.split(secret).join('***');
    return redactConnectionString(text);
  }
}

function secretsOf(config: PostgresConnectionConfig): string[] {
  const secrets: string[] = [];
  if (typeof config.connectionString === 'string') {
    try {
      const parsed = new URL(config.connectionString);
      if (parsed.password) secrets.push(parsed.password, decodeURIComponent(parsed.password));
    } catch {
      // not a URL: refused by toPostgresConfig
    }
  }
  if (typeof config.password === 'string' && config.password !== '') secrets.push(config.password);
  return secrets.filter((s) => s.length >= 3);
}

/**
 * `connection` as a pg config: a `postgres://`/`postgresql://` URL becomes `connectionString`, a
 * libpq keyword/value string is parsed (pg reads only URLs), a config object is used as given.
 * @throws AppLockError `INVALID_CONFIGURATION` for any other string (never repeating it).
 */
export function toPostgresConfig(connection: PostgresConnection): PostgresConnectionConfig {
  if (typeof connection !== 'string') {
    if (typeof connection.connectionString === 'string' && connectionStringForm(connection.connectionString) !== 'postgres-url') {
      throw invalidConfiguration(`${NOT_POSTGRES} (config.connectionString)`);
    }
    return connection;
  }
  switch (connectionStringForm(connection)) {
    case 'postgres-url':
      return { connectionString: connection.trim() };
    case 'postgres-keywords':
      return parsePostgresKeywordString(connection);
    default:
      throw invalidConfiguration(NOT_POSTGRES);
  }
}

const NOT_POSTGRES =
  'A PostgreSQL connection string is a URL (postgres://user:password@host:5432/db or postgresql://...) or libpq keyword/value pairs (host=... port=... dbname=... user=... password=...); ' +
  'this one is neither (its text is not repeated here because it may contain a password)';

/** `postgres://user@host:port/db` without the password, for logs and errors. */
export function describeTarget(connection: PostgresConnection): string {
  const config = toPostgresConfig(connection);
  if (typeof config.connectionString === 'string' && config.connectionString !== '') {
    return redactConnectionString(config.connectionString);
  }
  const user = typeof config.user === 'string' ? `${encodeURIComponent(config.user)}@` : '';
  const host = config.host ?? 'localhost';
  const port = config.port ?? 5432;
  const database = config.database ?? '';
  return `postgres://${user}${host}:${port}/${encodeURIComponent(database)}`;
}
