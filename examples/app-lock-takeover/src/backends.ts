import type { AppLock } from '@polecat/app-lock';

/** One way to run the demo: how to create owners and how to make one "die". */
export interface Backend {
  readonly description: string;
  createOwner(name: string): AppLock;
  /** Kills `owner` the way a crash or an operator would; resolves once the kill was issued. */
  kill(owner: AppLock, name: string): Promise<string>;
  close(): Promise<void>;
}

/** The in-memory lock server: "dying" is a server-side session termination. */
export async function memoryBackend(): Promise<Backend> {
  const { InMemoryLockServer } = await import('@polecat/app-lock');
  const server = new InMemoryLockServer();
  const owners = new Map<string, ReturnType<typeof server.createLock>>();
  return {
    description: 'in-memory lock server',
    createOwner(name) {
      const lock = server.createLock({ owner: name });
      owners.set(name, lock);
      return lock;
    },
    async kill(_owner, name) {
      server.terminateSession(owners.get(name)!);
      return 'server terminated its session';
    },
    close: async () => {},
  };
}

/** PostgreSQL: "dying" is `pg_terminate_backend` of the holder's lock session. */
export async function postgresBackend(url: string): Promise<Backend> {
  const { PostgresAppLock, parsePostgresKeywordString } = await import('@polecat/app-lock-postgres');
  const { default: pg } = await import('pg');
  const { connectionStringForm, redactConnectionString } = await import('@polecat/app-lock');
  const config = connectionStringForm(url) === 'postgres-keywords' ? parsePostgresKeywordString(url) : { connectionString: url };
  const admin = new pg.Client({ ...config, application_name: 'polecat-example-admin' });
  admin.on('error', () => {});
  await admin.connect();
  const run = `${process.pid}`;
  return {
    description: `PostgreSQL at ${redactConnectionString(url)}`,
    createOwner: (name) => new PostgresAppLock(url, { applicationName: `polecat-example-${name}-${run}` }),
    async kill(_owner, name) {
      const result = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [
        `polecat-example-${name}-${run}`,
      ]);
      return `pg_terminate_backend ended ${result.rowCount} session(s)`;
    },
    close: () => admin.end(),
  };
}

/** SQL Server: "dying" is a graceful dispose of the holder (its session and locks end). */
export async function sqlServerBackend(connection: string): Promise<Backend> {
  const { SqlServerAppLock } = await import('@polecat/app-lock/sql-server');
  const probe = new SqlServerAppLock(connection);
  const description = `SQL Server at ${probe.target}`;
  await probe.dispose();
  return {
    description,
    createOwner: (name) => new SqlServerAppLock(connection, { applicationName: `polecat-example-${name}` }),
    async kill(owner) {
      await owner.dispose();
      return 'disposed (its session ended)';
    },
    close: async () => {},
  };
}
