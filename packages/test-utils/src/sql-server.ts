import { randomBytes } from 'node:crypto';
import type mssqlTypes from 'mssql';
import type * as Testcontainers from 'testcontainers';
import { COUNT_SESSIONS_SQL, LOGIN_PROBE_SQL, SESSION_IDS_SQL, killSql } from './sql-server-statements';

/** Image the testcontainers path starts when no `POLECAT_TEST_MSSQL` is given. */
export const SQL_SERVER_TEST_IMAGE = 'mcr.microsoft.com/mssql/server:2022-latest';

/** The one line printed when the SQL Server suites cannot run here. */
export const SQL_SERVER_SKIP_LINE =
  'SQL Server suites skipped: POLECAT_TEST_MSSQL is not set and testcontainers found no container runtime (no SQL Server or Docker engine here)';

/** Where a SQL Server suite runs, or why it cannot. */
export type SqlServerTestTarget =
  | {
      readonly kind: 'available';
      /** `env` (POLECAT_TEST_MSSQL) or `testcontainers` (a container started for this test file). */
      readonly source: 'env' | 'testcontainers';
      /** ADO-style connection string (`Server=host,port;...`), accepted by `mssql` and `SqlServerAppLock`. */
      readonly connectionString: string;
      /** Stops the container (testcontainers) or does nothing (env). Idempotent. */
      stop(): Promise<void>;
    }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string };

/** Options of {@link sqlServerTestTarget}. */
export interface SqlServerTestTargetOptions {
  /** Budget for finding a container runtime (default 1 500 ms): a missing engine must cost little. */
  readonly runtimeProbeMs?: number;
  /** Budget for starting the container and logging in (default 180 000 ms; the first pull is slow). */
  readonly startupMs?: number;
}

let pending: Promise<SqlServerTestTarget> | undefined;

/**
 * Resolves the SQL Server the integration suites use, once per process (one container per test file):
 *
 * 1. `POLECAT_TEST_MSSQL` set → that connection string;
 * 2. else, unless `POLECAT_TEST_MSSQL_CONTAINERS=off`, testcontainers looks for a container runtime
 *    (bounded by `runtimeProbeMs`); if one answers, it starts {@link SQL_SERVER_TEST_IMAGE} with a random
 *    `sa` password, waits for "SQL Server is now ready for client connections" and a successful login;
 *    a runtime that is found but cannot start the server gives `failed` (the suite fails, loudly);
 * 3. else `skipped` with {@link SQL_SERVER_SKIP_LINE}.
 */
export function sqlServerTestTarget(options: SqlServerTestTargetOptions = {}): Promise<SqlServerTestTarget> {
  pending ??= resolveTarget(options);
  return pending;
}

async function resolveTarget(options: SqlServerTestTargetOptions): Promise<SqlServerTestTarget> {
  const fromEnv = process.env.POLECAT_TEST_MSSQL?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return { kind: 'available', source: 'env', connectionString: fromEnv, stop: async () => {} };
  if (process.env.POLECAT_TEST_MSSQL_CONTAINERS?.trim().toLowerCase() === 'off') {
    return { kind: 'skipped', reason: 'SQL Server suites skipped: POLECAT_TEST_MSSQL is not set and POLECAT_TEST_MSSQL_CONTAINERS=off' };
  }
  const testcontainers = await import('testcontainers');
  if (!(await hasContainerRuntime(testcontainers, options.runtimeProbeMs ?? 1_500))) return { kind: 'skipped', reason: SQL_SERVER_SKIP_LINE };
  try {
    return await startContainer(testcontainers, options.startupMs ?? 180_000);
  } catch (error) {
    return { kind: 'failed', reason: `testcontainers found a container runtime but SQL Server did not start: ${describeError(error)}` };
  }
}

async function hasContainerRuntime(testcontainers: typeof Testcontainers, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  // Throws "Could not find a working container runtime strategy" when there is none.
  const probe = testcontainers.getContainerRuntimeClient().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function startContainer(testcontainers: typeof Testcontainers, startupMs: number): Promise<SqlServerTestTarget> {
  // Meets SQL Server's complexity rule (upper, lower, digit, symbol); no ';', '=' or braces.
  const password = `Pc-${randomBytes(12).toString('hex')}-Z9`;
  const container: Testcontainers.StartedTestContainer = await new testcontainers.GenericContainer(SQL_SERVER_TEST_IMAGE)
    .withEnvironment({ ACCEPT_EULA: 'Y', MSSQL_SA_PASSWORD: password })
    .withExposedPorts(1433)
    .withWaitStrategy(testcontainers.Wait.forLogMessage('SQL Server is now ready for client connections'))
    .withStartupTimeout(startupMs)
    .start();
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= container.stop().then(() => undefined));
  const connectionString =
    `Server=${container.getHost()},${container.getMappedPort(1433)};Database=master;User Id=sa;Password=${password};` +
    'Encrypt=false;TrustServerCertificate=true';
  try {
    await waitForLogin(connectionString, Date.now() + startupMs);
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  return { kind: 'available', source: 'testcontainers', connectionString, stop };
}

/** The ready log line can precede the first accepted login by a moment: retry `SELECT 1`. */
async function waitForLogin(connectionString: string, deadline: number): Promise<void> {
  const { default: mssql } = await import('mssql');
  for (;;) {
    const pool = new mssql.ConnectionPool(connectionString);
    pool.on('error', () => {});
    try {
      await pool.connect();
      await pool.request().query(LOGIN_PROBE_SQL);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await pool.close().catch(() => {});
    }
  }
}

/** A separate admin connection to SQL Server for tests: find, count and KILL other sessions. */
export interface SqlServerAdmin {
  /** Session ids (`sys.dm_exec_sessions`) whose `program_name` is `applicationName`, excluding the admin. */
  sessionIds(applicationName: string): Promise<number[]>;
  /** Sessions whose `program_name` starts with `prefix`, excluding the admin. */
  countSessionsWithPrefix(prefix: string): Promise<number>;
  /** `KILL <spid>` on every session whose `program_name` is `applicationName`; resolves with how many. */
  killSessionsByApplicationName(applicationName: string): Promise<number>;
  close(): Promise<void>;
}

/** Opens the admin connection (needs VIEW SERVER STATE and ALTER ANY CONNECTION; `sa` has both). */
export async function createSqlServerAdmin(connectionString: string): Promise<SqlServerAdmin> {
  const { default: mssql } = await import('mssql');
  const pool: mssqlTypes.ConnectionPool = new mssql.ConnectionPool(connectionString);
  pool.on('error', () => {});
  await pool.connect();
  const sessionIds = async (applicationName: string): Promise<number[]> => {
    const result = await pool.request().input('app', mssql.NVarChar(128), applicationName).query<{ id: number }>(SESSION_IDS_SQL);
    return result.recordset.map((row) => row.id);
  };
  return {
    sessionIds,
    async countSessionsWithPrefix(prefix) {
      const result = await pool.request().input('prefix', mssql.NVarChar(128), prefix).query<{ n: number }>(COUNT_SESSIONS_SQL);
      return result.recordset[0]?.n ?? 0;
    },
    async killSessionsByApplicationName(applicationName) {
      const ids = await sessionIds(applicationName);
      // KILL takes no variable; the ids are integers read from the server, so the text is safe.
      for (const id of ids) await pool.request().batch(killSql(Math.trunc(id)));
      return ids.length;
    },
    close: () => pool.close(),
  };
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
