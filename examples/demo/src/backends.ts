import { randomUUID } from 'node:crypto';
import { InMemoryLockServer, isPostgresConnectionString, lockFactoryFor, redactConnectionString, type AppLock } from '@polecat/polecat';
import pg from 'pg';

/** Where the demo's locks live, and how a node is "killed" there. */
export interface DemoBackend {
  readonly label: string;
  createLock(node: string): () => AppLock;
  /** Ends the node's lock session as a crash would; resolves with what was done. */
  kill(node: string): Promise<string>;
  close(): Promise<void>;
}

export const MACHINE_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';

export function memoryBackend(): DemoBackend {
  const server = new InMemoryLockServer();
  return {
    label: 'in-memory lock',
    createLock: (node) => () => server.createLock({ owner: node }),
    kill: async (node) => `${server.terminateSession(node)} lock session terminated by the server, as if the process died`,
    close: async () => {},
  };
}

export async function urlBackend(url: string): Promise<DemoBackend> {
  const run = randomUUID().slice(0, 8);
  const appName = (node: string) => `polecat-demo-${run}-${node}`;
  const factories = new Map<string, () => AppLock>();
  for (const node of ['node-1', 'node-2', 'node-3', 'node-4', 'node-5', 'node-6']) {
    const factory = await lockFactoryFor(url, { applicationName: appName(node) });
    factories.set(node, () => factory({ id: 'default' }));
  }
  const postgres = isPostgresConnectionString(url);
  const label = `${postgres ? 'PostgreSQL' : 'SQL Server'} ${redactConnectionString(url)}`;
  return {
    label,
    createLock: (node) => factories.get(node)!,
    kill: async (node) => {
      if (!postgres) return 'lock connection left to the coordinator (KILL needs admin rights): graceful stop';
      const admin = new pg.Client({ connectionString: url, application_name: `polecat-demo-${run}-admin` });
      await admin.connect();
      try {
        const result = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [appName(node)]);
        return `${result.rowCount} backend terminated with pg_terminate_backend, as if the process died`;
      } finally {
        await admin.end();
      }
    },
    close: async () => {},
  };
}
