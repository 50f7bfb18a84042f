import pg from 'pg';
import { postgresTestUrl } from './postgres';

/** A separate admin connection for tests: find, count and kill other sessions. */
export interface PgAdmin {
  /** Backend pids of sessions with this `application_name` (excluding the admin itself). */
  backendPids(applicationName: string): Promise<number[]>;
  /** The single backend pid of `applicationName`; throws unless exactly one session has it. */
  backendPidOf(applicationName: string): Promise<number>;
  /** Sessions (pg_stat_activity rows) with this `application_name`: use it for leak checks. */
  countConnections(applicationName: string): Promise<number>;
  /** Sessions whose `application_name` starts with `prefix` (one harness's owners). */
  countConnectionsWithPrefix(prefix: string): Promise<number>;
  /** `pg_terminate_backend` on every session with this `application_name`; resolves with how many. */
  terminateBackendsByApplicationName(applicationName: string): Promise<number>;
  /** `pg_terminate_backend(pid)`; resolves `true` when the backend was signalled. */
  terminateBackend(pid: number): Promise<boolean>;
  /** Polls until {@link PgAdmin.countConnections} equals `expected` (default timeout 5 000 ms); resolves with the last count. */
  waitForConnections(applicationName: string, expected: number, timeoutMs?: number): Promise<number>;
  /** Any parameterised query on the admin connection. */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  close(): Promise<void>;
}

/** Opens the admin connection (`application_name` `polecat-test-admin`). */
export async function createPgAdmin(url: string = postgresTestUrl()): Promise<PgAdmin> {
  const client = new pg.Client({ connectionString: url, application_name: 'polecat-test-admin' });
  client.on('error', () => {});
  await client.connect();

  const backendPids = async (applicationName: string): Promise<number[]> => {
    const result = await client.query<{ pid: number }>(
      'select pid from pg_stat_activity where application_name = $1 and datname = current_database() and pid <> pg_backend_pid() order by pid',
      [applicationName],
    );
    return result.rows.map((row) => row.pid);
  };
  const countConnections = async (applicationName: string): Promise<number> => (await backendPids(applicationName)).length;

  return {
    backendPids,
    async backendPidOf(applicationName) {
      const pids = await backendPids(applicationName);
      if (pids.length !== 1) throw new Error(`expected one session named ${applicationName}, found ${pids.length}`);
      return pids[0]!;
    },
    countConnections,
    async countConnectionsWithPrefix(prefix) {
      const result = await client.query<{ count: string }>(
        'select count(*) as count from pg_stat_activity where left(application_name, length($1)) = $1 and datname = current_database() and pid <> pg_backend_pid()',
        [prefix],
      );
      return Number(result.rows[0]?.count ?? 0);
    },
    async terminateBackendsByApplicationName(applicationName) {
      const result = await client.query<{ ok: boolean }>(
        'select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1 and datname = current_database() and pid <> pg_backend_pid()',
        [applicationName],
      );
      return result.rows.filter((row) => row.ok).length;
    },
    async terminateBackend(pid) {
      const result = await client.query<{ ok: boolean }>('select pg_terminate_backend($1) as ok', [pid]);
      return result.rows[0]?.ok === true;
    },
    async waitForConnections(applicationName, expected, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const count = await countConnections(applicationName);
        if (count === expected || Date.now() >= deadline) return count;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    query: (text, values) => client.query(text, values),
    close: () => client.end().catch(() => {}),
  };
}
