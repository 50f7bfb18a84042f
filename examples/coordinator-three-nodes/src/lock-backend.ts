import { InMemoryLockServer, connectionStringForm, type AppLock } from '@polecat/app-lock';
import { PostgresAppLock, parsePostgresKeywordString } from '@polecat/app-lock-postgres';

/** Where the nodes' locks live, and how to kill a node's lock session server-side. */
export interface LockBackend {
  readonly name: string;
  createLock(node: string): AppLock;
  /** Ends the node's lock session on the server (its locks are freed at once). */
  killSession(node: string): Promise<void>;
  close(): Promise<void>;
}

export function inMemoryBackend(): LockBackend {
  const server = new InMemoryLockServer();
  return {
    name: 'in-memory lock server',
    createLock: (node) => server.createLock({ owner: node }),
    killSession: async (node) => {
      server.terminateSession(node);
    },
    close: async () => {},
  };
}

export async function postgresBackend(url: string, runId: string): Promise<LockBackend> {
  const { default: pg } = await import('pg');
  const config = connectionStringForm(url) === 'postgres-keywords' ? parsePostgresKeywordString(url) : { connectionString: url };
  const admin = new pg.Client(config);
  await admin.connect();
  const appName = (node: string) => `polecat-ex-${runId}-${node}`;
  return {
    name: 'PostgreSQL advisory locks',
    createLock: (node) => new PostgresAppLock(url, { applicationName: appName(node) }),
    killSession: async (node) => {
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [appName(node)]);
    },
    close: () => admin.end(),
  };
}
