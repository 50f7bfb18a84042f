import pg from 'pg';
import { AppLockError, connectionStringForm, redactConnectionString, type LockId, type LockSession, type LockSessionDriver } from '@polecat/app-lock';
import type { PostgresConnection, PostgresConnectionConfig, ServerKeepAlive } from '../postgres-connection-config';
import { parsePostgresKeywordString } from '../postgres-keyword-string';
import { linkSignals } from '@polecat/kit';
import { assertDedicatedSession } from './pooler-check';
import { CLIENT_CHECK_SQL, SESSION_SETUP_SQL, sessionSettings } from './session-setup';
import { postgresLockKey } from '../postgres-lock-key';
import { PostgresSession, destroyClient } from './postgres-session';
import { ReleaseNotices, listenSql } from './release-notices';

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
   * Opens the lock session and makes it usable: start-up, the session settings (`SET` of the TCP
   * keepalives and user timeout, with `pg_backend_pid()`), the pooler check and `LISTEN`. The
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
      throw new AppLockError('INVALID_CONFIGURATION', `Invalid PostgreSQL connection settings for ${this.target}: ${this.#scrub(error)}`);
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
      const settings = sessionSettings(serverKeepAlive);
      const setup = await client.query<{ pid: number }>(SESSION_SETUP_SQL, [settings.map(([name]) => name), settings.map(([, value]) => value)]);
      stop.throwIfAborted();
      const pid = setup.rows[0]?.pid;
      if (typeof pid !== 'number') throw new Error('PostgreSQL did not report a backend pid');
      await assertDedicatedSession(config, pid, (client as unknown as { processID?: number | null }).processID ?? undefined, this.target, stop);
      // A backend blocked in a lock wait (a member watcher's pg_advisory_lock) reads nothing from its
      // socket, so it would outlive a killed client until the wait ends; with this set (PostgreSQL 14+,
      // not on every platform: a refusal is ignored) it checks the client every second while it waits.
      await client.query(CLIENT_CHECK_SQL).catch(() => undefined);
      stop.throwIfAborted();
      if (notices !== undefined) {
        notices.attach(client);
        // A hint channel: a failed LISTEN (e.g. a read replica) only costs the early wake-ups; a
        // dead connection is reported through the session's close listener as usual.
        await client.query(listenSql(notices.channel)).catch(() => undefined);
        stop.throwIfAborted();
      }
      const session = new PostgresSession(client, pid, this.target, notices?.channel, (backendPid) => this.#cancelBackend(config, backendPid));
      client.off('error', swallow);
      return session;
    } catch (error) {
      destroyClient(client);
      if (signal?.aborted) throw signal.reason;
      if (AppLockError.is(error)) throw error;
      if (linked.timedOut()) {
        throw new AppLockError('CONNECTION_FAILED', `The PostgreSQL lock session to ${this.target} was not usable within connectTimeoutMs = ${connectTimeoutMs} ms (connect, settings, LISTEN)`, {
          cause: error,
          retryable: true,
        });
      }
      throw new AppLockError('CONNECTION_FAILED', `Could not open a PostgreSQL lock session to ${this.target}: ${this.#scrub(error)}`, {
        cause: error,
        retryable: true,
      });
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
      throw new AppLockError('LOCK_REQUEST_FAILED', `Could not cancel the waiting lock request on ${this.target}: ${this.#scrub(error)}`, { cause: error });
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
      throw new AppLockError('INVALID_CONFIGURATION', `${NOT_POSTGRES} (config.connectionString)`);
    }
    return connection;
  }
  switch (connectionStringForm(connection)) {
    case 'postgres-url':
      return { connectionString: connection.trim() };
    case 'postgres-keywords':
      return parsePostgresKeywordString(connection);
    default:
      throw new AppLockError('INVALID_CONFIGURATION', NOT_POSTGRES);
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
