import {
  SessionAppLock,
  enforceLockTiming,
  silentLogger,
  toLogger,
  type ConsoleLike,
  type Logger,
  type ReleaseNotice,
  type SessionAppLockOptions,
} from '@polecat/app-lock';
import { PostgresDriver } from './internal/postgres-driver';
import { invalidConfiguration } from './internal/postgres-errors';
import { DEFAULT_RELEASE_CHANNEL, assertReleaseChannel } from './internal/release-notices';
import { serverReleaseMs, userTimeoutMsOf } from './internal/session-setup';
import type { PostgresConnection, ServerKeepAlive } from './postgres-connection-config';

/**
 * Options of {@link PostgresAppLock}. Also from `SessionAppLockOptions`: `verifyIntervalMs`
 * (default 2000 ms; 0 disables), `requestTimeoutMs` (default 5000 ms; a request unanswered for
 * that long gives the session up and marks its locks lost), `lostSessionHoldMs` (how long a
 * given-up session stays open for `LockLostEvent.waitUntil` work; default: the `serverKeepAlive`
 * release time, ≈ 25 s, or 30 s with `serverKeepAlive: false`) and `clock`.
 */
export interface PostgresAppLockOptions extends Omit<SessionAppLockOptions, 'logger'> {
  /** Where warnings (losses, failed releases) go: a `Logger`, `console` or pino. Default: silent. */
  readonly logger?: Logger | ConsoleLike;
  /**
   * `application_name` of the lock connection, so operators and tests can find it in
   * `pg_stat_activity` (and kill it). 1 to 63 printable ASCII characters. Default `'polecat-lock'`.
   */
  readonly applicationName?: string;
  /** How long opening the connection may take. Default `10000` ms. */
  readonly connectTimeoutMs?: number;
  /** Client-side TCP keepalive: first probe after this much idle time. Default `10000` ms. */
  readonly keepAliveInitialDelayMs?: number;
  /**
   * Server-side TCP keepalive of the lock session (`tcp_keepalives_idle/interval/count` and
   * `tcp_user_timeout`, applied with `SET` right after connecting, so poolers that reject start-up
   * options accept it): how soon the server notices a vanished client host and frees its locks
   * (the user timeout, by default `idle + interval * count` seconds). `false` keeps the server's
   * defaults (often 2 hours). Default `{ idleSeconds: 10, intervalSeconds: 5, count: 3 }` (≈ 25 s).
   *
   * The constructor enforces the safety timing rule: `verifyIntervalMs + requestTimeoutMs` must be
   * below that release time (else `INVALID_CONFIGURATION` naming the numbers), so that a
   * partitioned owner gives up its locks before the server frees them. `verifyIntervalMs: 0` is
   * accepted with a warning (the owner then never gives up by itself).
   */
  readonly serverKeepAlive?: Partial<ServerKeepAlive> | false;
  /**
   * Release notices: every release (`releaseLock`, `releaseAll`, `dispose`) also runs
   * `pg_notify(<channel>, <reason>)` in the SAME round trip (the payload: the release's `reason`, or `''`), and the lock connection `LISTEN`s on the
   * channel, so {@link PostgresAppLock.onReleaseNotice} listeners hear OTHER owners' releases at
   * once (a standby takes over in milliseconds instead of at its next poll). Notices are per
   * database; use one channel per application (a plain identifier, at most 63 characters).
   * `false` disables both (no `LISTEN`, plain unlock). Default `'polecat_lock_released'`.
   */
  readonly releaseChannel?: string | false;
}

const DEFAULT_SERVER_KEEPALIVE: ServerKeepAlive = { idleSeconds: 10, intervalSeconds: 5, count: 3 };

/** Hold limit of a given-up session when the server's release time is unknown (`serverKeepAlive: false`). */
const DEFAULT_LOST_SESSION_HOLD_MS = 30_000;

/**
 * A lock owner holding PostgreSQL session-level advisory locks (`pg_try_advisory_lock`) on ONE
 * dedicated `pg.Client` (never a pool), opened lazily on the first attempt and reopened lazily after
 * a loss. Number ids are used as the bigint key directly (compatible with Marten/Polecat);
 * strings are hashed, see {@link postgresLockKey}. The moment the connection errors or ends
 * (`pg_terminate_backend`, TCP reset, server restart) every held id is marked lost and announced;
 * a periodic one-round-trip check against `pg_locks` catches anything else.
 *
 * @example
 * const lock = new PostgresAppLock('postgres://app@db/app', { applicationName: 'orders-lock' });
 * if (await lock.tryAttainLock(4444)) lock.lockSignal(4444)!.addEventListener('abort', stopWork);
 * await lock.dispose();
 */
export class PostgresAppLock extends SessionAppLock<string> {
  /** The `application_name` of this owner's connection. */
  readonly applicationName: string;
  readonly #driver: PostgresDriver;

  /**
   * @param connection A URL (`postgres://user:pass@host:5432/db`, `postgresql://...`), a libpq
   *   keyword/value string (`host=db dbname=app user=app password=...`, see
   *   `parsePostgresKeywordString`) or a {@link PostgresConnectionConfig}. Any other string
   *   throws `INVALID_CONFIGURATION` (without repeating it). Passwords never appear in `target`,
   *   errors or log lines, whatever the form. Use a direct connection or a session-pooling PgBouncer:
   *   transaction or statement pooling breaks session locks.
   */
  constructor(connection: PostgresConnection, options: PostgresAppLockOptions = {}) {
    if (typeof connection === 'string' ? connection.trim() === '' : typeof connection !== 'object' || connection === null) {
      throw invalidConfiguration('PostgresAppLock needs a connection string or a connection config object');
    }
    const applicationName = options.applicationName ?? 'polecat-lock';
    if (typeof applicationName !== 'string' || !/^[\x20-\x7e]{1,63}$/.test(applicationName)) {
      // PostgreSQL silently truncates application_name to 63 bytes and replaces non-ASCII characters.
      throw invalidConfiguration('applicationName must be 1 to 63 printable ASCII characters');
    }
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    const keepAliveInitialDelayMs = options.keepAliveInitialDelayMs ?? 10_000;
    for (const [name, value] of [
      ['connectTimeoutMs', connectTimeoutMs],
      ['keepAliveInitialDelayMs', keepAliveInitialDelayMs],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) {
        throw invalidConfiguration(`${name} must be a finite number >= 0, got ${value}`);
      }
    }
    const serverKeepAlive = options.serverKeepAlive === false ? false : { ...DEFAULT_SERVER_KEEPALIVE, ...options.serverKeepAlive };
    if (serverKeepAlive !== false) {
      for (const [name, value] of Object.entries(serverKeepAlive)) {
        // applied as whole seconds (ms for userTimeoutMs): NaN would fail every connection attempt
        if (value === undefined && name === 'userTimeoutMs') continue;
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
          throw invalidConfiguration(`serverKeepAlive.${name} must be a finite number >= 0, got ${String(value)}`);
        }
      }
    }
    const logger = options.logger === undefined ? undefined : toLogger(options.logger);
    const verifyIntervalMs = options.verifyIntervalMs ?? 2000;
    const requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    if (Number.isFinite(verifyIntervalMs) && Number.isFinite(requestTimeoutMs)) {
      // (malformed numbers are refused by SessionAppLock with their own message)
      enforceLockTiming(
        {
          backend: 'postgres',
          verifyIntervalMs,
          requestTimeoutMs,
          serverReleaseMs: serverReleaseMs(serverKeepAlive),
          serverReleaseSource: describeKeepAlive(serverKeepAlive),
        },
        logger ?? silentLogger,
      );
    }
    const releaseChannel = options.releaseChannel ?? DEFAULT_RELEASE_CHANNEL;
    if (releaseChannel !== false) assertReleaseChannel(releaseChannel);
    const { logger: _logger, releaseChannel: _channel, ...sessionOptions } = options;
    const driver = new PostgresDriver({ connection, applicationName, connectTimeoutMs, keepAliveInitialDelayMs, serverKeepAlive, releaseChannel });
    super(driver, {
      // a given-up session is held open for its agents at most until the server would free a silent client's locks anyway
      lostSessionHoldMs: serverReleaseMs(serverKeepAlive) ?? DEFAULT_LOST_SESSION_HOLD_MS,
      ...sessionOptions,
      ...(logger === undefined ? {} : { logger }),
    });
    this.applicationName = applicationName;
    this.#driver = driver;
    this.announcesReleases = releaseChannel !== false;
  }

  /** `false` with `releaseChannel: false`: releases are neither announced nor heard (see `AppLock.announcesReleases`). */
  readonly announcesReleases: boolean;

  /**
   * Called whenever ANOTHER lock session on this database released locks (see `releaseChannel`).
   * Heard only while this owner's connection is open (it opens on the first attempt). A hint: no
   * ids, possibly coalesced; keep polling. The notice carries the releaser's `reason`
   * (`releaseLock(id, { reason })`), the `NOTIFY` payload. Not called when `releaseChannel` is `false`.
   * Returns the unsubscribe function.
   */
  onReleaseNotice(listener: (notice: ReleaseNotice) => void): () => void {
    return this.#driver.notices?.subscribe(listener) ?? (() => undefined);
  }
}

function describeKeepAlive(keepAlive: ServerKeepAlive | false): string {
  if (keepAlive === false) return 'server defaults';
  return `serverKeepAlive: tcp_keepalives_idle ${keepAlive.idleSeconds} s, interval ${keepAlive.intervalSeconds} s, count ${keepAlive.count}, tcp_user_timeout ${userTimeoutMsOf(keepAlive)} ms`;
}
