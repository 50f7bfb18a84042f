import type { AppLock } from '../app-lock';

/** Options the suite passes to {@link AppLockConformanceHarness.createLock}; forward them to the backend. */
export interface ConformanceLockOptions {
  /** Periodic verification interval (`SessionAppLockOptions.verifyIntervalMs`). Undefined: the backend's default. */
  readonly verifyIntervalMs?: number;
  /** Request timeout (`SessionAppLockOptions.requestTimeoutMs`). Undefined: the backend's default. */
  readonly requestTimeoutMs?: number;
}

/** An owner whose connection can be cut on the network path (for example through an in-test TCP proxy). */
export interface CuttableLock<L extends AppLock = AppLock> {
  readonly lock: L;
  /** Cuts the connection abruptly (TCP reset), as a crashed middlebox or a pulled cable with RST would. */
  cut(): void | Promise<void>;
  /** Frees what the harness set up for it (the proxy). Called after each test, after `lock.dispose()`. */
  close?(): void | Promise<void>;
}

/**
 * What a backend supplies to {@link runAppLockConformance}. Only `name` and `createLock` are
 * required; every optional member enables more cases (the others are skipped, visibly).
 *
 * @example
 * const server = new InMemoryLockServer();
 * runAppLockConformance({
 *   name: 'memory',
 *   createLock: (options) => server.createLock(options),
 *   killSession: (lock) => { server.terminateSession(lock); },
 *   countServerConnections: () => server.openSessions,
 * });
 */
export interface AppLockConformanceHarness<L extends AppLock = AppLock> {
  /** Title of the suite, e.g. `'postgres'`. */
  readonly name: string;
  /**
   * A NEW lock owner (its own session / connection) per call. The suite disposes every owner
   * after each test.
   */
  createLock(options?: ConformanceLockOptions): L | Promise<L>;
  /**
   * Ends `lock`'s session on the server side (`pg_terminate_backend`, SQL Server `KILL`, ...),
   * resolving once the server was told. Enables the "server kills the session" cases: the loss
   * must be announced within 1 s.
   */
  killSession?(lock: L): void | Promise<void>;
  /** Creates an owner whose connection {@link CuttableLock.cut} can reset. Enables the TCP-cut case. */
  createCuttableLock?(options?: ConformanceLockOptions): Promise<CuttableLock<L>>;
  /**
   * Open server-side sessions of the owners this harness created (e.g. `pg_stat_activity` rows with
   * the harness's `application_name` prefix). Enables the connection-leak assertions.
   */
  countServerConnections?(): number | Promise<number>;
  /**
   * Longest name the backend accepts as a lock id, when not unlimited. Default: the suite tries
   * names of 1, 255, 256 and 4000 characters.
   */
  readonly maxNameLength?: number;
}
