import { AppLockError } from '../errors';
import type { LockId } from '../lock-id';
import { silentLogger, toLogger, type ConsoleLike, type Logger } from '../logger';
import { SessionAppLock, type SessionAppLockOptions } from '../session/session-app-lock';
import { enforceLockTiming } from '../timing-rule';
import { DEFAULT_SQL_SERVER_APPLICATION_NAME, parseSqlServerConnection, type SqlServerConnection } from './sql-server-connection-config';
import { SqlServerDriver } from './internal/sql-server-driver';
import { assertSqlServerResourcePrefix, sqlServerResourceName } from './sql-server-lock-key';

/** Options of {@link SqlServerAppLock}. */
export interface SqlServerAppLockOptions extends Omit<SessionAppLockOptions, 'logger' | 'requestTimeoutMs'> {
  /**
   * Prepended to every resource name (see {@link sqlServerResourceName}). Keep the default `''` to
   * share locks with .NET Polecat nodes, which use the plain decimal lock id. At most 190 characters.
   * @default ''
   */
  readonly resourcePrefix?: string;
  /**
   * How long `sp_getapplock` may wait for a lock held by someone else (`@LockTimeout`, ms), for
   * SINGLE-id attempts (`tryAttainLock`, or `tryAttainLocks` with one id not yet held). A batch of
   * several ids never waits (`@LockTimeout = 0`): each name would wait its own timeout, N times the
   * budget. `0` answers at once; waiting holds the connection (and every other call of this owner)
   * meanwhile.
   * @default 0
   */
  readonly lockTimeoutMs?: number;
  /**
   * How long one request may go unanswered before the connection is considered stalled, destroyed,
   * and its locks marked lost; a single-id lock request gets `lockTimeoutMs` on top. (tedious' own
   * default, 15 s, is far too long to notice a stalled lock connection.)
   * @default 5000
   */
  readonly requestTimeoutMs?: number;
  /**
   * How long opening AND pinning the lock connection may take in all (login, prepare, `@@SPID`);
   * also mssql's `connectionTimeout` unless the config sets one.
   * @default 15000
   */
  readonly connectTimeoutMs?: number;
  /**
   * The SQL Server's TCP keepalive time in ms (server-wide, SQL Server Configuration Manager >
   * TCP/IP > Keep Alive; Microsoft documents a default of 30 000 ms, after which the server probes
   * a silent client every Keep Alive Interval, 1 000 ms, before dropping it). It bounds how soon
   * the server frees the locks of a vanished host. The constructor refuses (`INVALID_CONFIGURATION`)
   * settings under which a partitioned owner would still trust its locks after that:
   * `verifyIntervalMs + requestTimeoutMs + lockTimeoutMs` must stay below it. `false`: do not check.
   * @default 30000
   */
  readonly serverKeepAliveMs?: number | false;
  /**
   * `APP_NAME()` of the lock session, visible as `program_name` in `sys.dm_exec_sessions`, so
   * operators and tests can find (and `KILL`) it. Defaults to the connection string's
   * `Application Name`, else `'polecat-app-lock'`.
   */
  readonly applicationName?: string;
  /** Where warnings go: a {@link Logger}, `console` or pino. Default: silent. */
  readonly logger?: Logger | ConsoleLike;
}

const MAX_INT32 = 2_147_483_647;

/**
 * A SQL Server application lock owner: `sp_getapplock` (Exclusive, `@LockOwner='Session'`,
 * `@DbPrincipal='public'`) on ONE dedicated connection that is never shared, recycled or replaced.
 * Loss of that connection is announced at once; held locks are verified periodically in one round
 * trip; batch attempts cost one round trip; a lock is never stacked. Requires the optional peer
 * dependency `mssql` (11 or 12) and SQL Server 2016+ (`OPENJSON`).
 *
 * @example
 * ```ts
 * await using lock = new SqlServerAppLock('Server=db;Database=app;User Id=app;Password=secret;Encrypt=true');
 * if (await lock.tryAttainLock(4444)) runAgent(lock.lockSignal(4444)!);
 * ```
 */
export class SqlServerAppLock extends SessionAppLock<string> {
  readonly #resourcePrefix: string;
  readonly #applicationName: string;

  /**
   * @param connection An ADO-style connection string (`Server=...;Database=...;User Id=...;Password=...`)
   *   or an mssql config object. Nothing connects until the first lock attempt.
   * @throws AppLockError `INVALID_CONFIGURATION` for malformed settings (never echoing a password).
   */
  constructor(connection: SqlServerConnection, options: SqlServerAppLockOptions = {}) {
    const parsed = parseSqlServerConnection(connection);
    const resourcePrefix = options.resourcePrefix ?? '';
    assertSqlServerResourcePrefix(resourcePrefix);
    const lockTimeoutMs = checkMs('lockTimeoutMs', options.lockTimeoutMs ?? 0, 0);
    const requestTimeoutMs = checkMs('requestTimeoutMs', options.requestTimeoutMs ?? 5000, 1);
    const applicationName = options.applicationName ?? parsed.applicationName ?? DEFAULT_SQL_SERVER_APPLICATION_NAME;
    if (typeof applicationName !== 'string' || applicationName.length === 0 || applicationName.length > 128) {
      throw new AppLockError('INVALID_CONFIGURATION', 'applicationName must be a string of 1 to 128 characters');
    }
    const connectTimeoutMs = checkMs('connectTimeoutMs', options.connectTimeoutMs ?? 15_000, 1);
    const serverKeepAliveMs = options.serverKeepAliveMs === false ? false : checkMs('serverKeepAliveMs', options.serverKeepAliveMs ?? 30_000, 1);
    const logger = options.logger === undefined ? undefined : toLogger(options.logger);
    const verifyIntervalMs = options.verifyIntervalMs ?? 2000;
    if (serverKeepAliveMs !== false && typeof verifyIntervalMs === 'number' && Number.isFinite(verifyIntervalMs)) {
      // a partition may begin while a single-id request waits: its whole budget counts
      enforceLockTiming(
        {
          backend: 'sqlserver',
          verifyIntervalMs,
          requestTimeoutMs: requestTimeoutMs + lockTimeoutMs,
          serverReleaseMs: serverKeepAliveMs,
          serverReleaseSource: `the server's TCP Keep Alive, serverKeepAliveMs = ${serverKeepAliveMs}; requestTimeoutMs includes lockTimeoutMs ${lockTimeoutMs}`,
        },
        logger ?? silentLogger,
      );
    }
    const config = parsed.config.connectionTimeout === undefined ? { ...parsed.config, connectionTimeout: connectTimeoutMs } : parsed.config;
    const driver = new SqlServerDriver(
      { ...parsed, config },
      {
        resourcePrefix,
        lockTimeoutMs,
        connectTimeoutMs,
        // A backstop only: SessionAppLock gives up first (request timeout + the wait of a single-id
        // request, see sqlServerAcquireBudgetMs, or of one waitForLock batch, at most
        // maxLockWaitMs = requestTimeoutMs) and destroys the connection.
        requestTimeoutMs: Math.min(MAX_INT32, requestTimeoutMs + Math.max(lockTimeoutMs, requestTimeoutMs) + 1000),
        applicationName,
        maxLockWaitMs: requestTimeoutMs,
      },
    );
    const sessionOptions: SessionAppLockOptions = {
      requestTimeoutMs,
      // a given-up session is held open for its agents at most until the server would free a
      // silent client's locks anyway (its first keepalive probe; 30 s when not given)
      lostSessionHoldMs: options.lostSessionHoldMs ?? (serverKeepAliveMs === false ? 30_000 : serverKeepAliveMs),
      ...(options.verifyIntervalMs === undefined ? {} : { verifyIntervalMs: options.verifyIntervalMs }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(logger === undefined ? {} : { logger }),
    };
    super(driver, sessionOptions);
    this.#resourcePrefix = resourcePrefix;
    this.#applicationName = applicationName;
  }

  /** The `sp_getapplock` resource name this owner uses for `id` (see {@link sqlServerResourceName}). */
  resourceName(id: LockId): string {
    return sqlServerResourceName(id, this.#resourcePrefix);
  }

  /** `APP_NAME()` / `program_name` of this owner's lock session. */
  get applicationName(): string {
    return this.#applicationName;
  }
}

function checkMs(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_INT32) {
    throw new AppLockError('INVALID_CONFIGURATION', `${name} must be an integer in ${min}..${MAX_INT32} ms, got ${String(value)}`);
  }
  return value;
}
