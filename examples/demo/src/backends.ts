import { randomUUID } from 'node:crypto';
import { InMemoryLockServer, connectionStringForm, isPostgresConnectionString, lockFactoryFor, redactConnectionString, type AppLock } from '@polecat/polecat';
import { parsePostgresKeywordString } from '@polecat/polecat/postgres';
import pg from 'pg';

/** Where the demo's locks live, and how a node is "killed" there. */
export interface DemoBackend {
  readonly label: string;
  createLock(node: string): () => AppLock;
  /** Ends the node's lock session as a crash would; resolves with what was done. */
  kill(node: string): Promise<string>;
  close(): Promise<void>;
}

/** The machine's PostgreSQL: `POLECAT_TEST_PG`, else `postgres://postgres@127.0.0.1:5432/test`. */
export const MACHINE_POSTGRES = process.env.POLECAT_TEST_PG || 'postgres://postgres@127.0.0.1:5432/test';

/** An error as one line: its message (already password-free for the library's errors), never a stack. */
export function describeFailure(error: unknown): string {
  return redactConnectionString(error instanceof Error ? error.message : String(error));
}

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
  // Fail before any node starts: one lock attempt shows an unreachable or refusing database.
  const probe = factories.get('node-1')!();
  try {
    await probe.tryAttainLock(`polecat-demo-probe-${run}`);
  } finally {
    await probe.dispose();
  }
  const postgres = isPostgresConnectionString(url);
  const label = `${postgres ? 'PostgreSQL' : 'SQL Server'} ${redactConnectionString(url)}`;
  return {
    label,
    createLock: (node) => factories.get(node)!,
    kill: async (node) => {
      if (!postgres) return 'lock connection left to the coordinator (KILL needs admin rights): graceful stop';
      const config = connectionStringForm(url) === 'postgres-keywords' ? parsePostgresKeywordString(url) : { connectionString: url };
      const admin = new pg.Client({ ...config, application_name: `polecat-demo-${run}-admin` });
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
