import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePostgres } from '@polecat/test-utils/vitest';
import { ensureOpsSchema, readPostgresClusterSnapshot, terminateStrandedSession, OpsError } from '../src/index';
import { cli } from './support/cli';

await describePostgres('stranded locks: listed by status, freed by terminate, a live node refused', (url) => {
  const schema = `ops_${randomUUID().slice(0, 8)}`;
  const key = String(900_000_000 + Math.floor(Math.random() * 100_000_000));
  const clients: pg.Client[] = [];
  let admin: pg.Client;
  const session = async (applicationName: string): Promise<{ client: pg.Client; pid: number }> => {
    const client = new pg.Client({ connectionString: url, application_name: applicationName });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return { client, pid: (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid };
  };

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url, application_name: 'polecat-ops-test' });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await ensureOpsSchema(admin, { schema });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  });

  it('status lists a lock held by a session that is not a live node, with pid, application name and what to do; terminate frees it', async () => {
    // what a pooler's server connection looks like after a lock session went through it: the last client's name
    const stranded = await session('psql');
    await stranded.client.query('select pg_advisory_lock($1::bigint)', [key]);
    const snapshot = await readPostgresClusterSnapshot(admin, { schema });
    expect(snapshot.strandedLocks).toContainEqual({ key, session: stranded.pid, applicationName: 'psql' });
    const status = await cli('status', url, '--schema', schema);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/stranded locks: \d+, held by a session that is not a live node/);
    expect(status.out).toContain('polecat terminate <pid>');
    expect(status.out).toContain(String(stranded.pid));

    const ended = await cli('terminate', String(stranded.pid), '-c', url, '--json');
    expect(ended.code, ended.err).toBe(0);
    expect(JSON.parse(ended.out)).toEqual({ session: stranded.pid, applicationName: 'psql', locks: 1 });
    const after = await readPostgresClusterSnapshot(admin, { schema });
    expect(after.strandedLocks.filter((lock) => lock.key === key)).toEqual([]);
  });

  it("terminate refuses a live node's lock session, a session without advisory locks and an unknown pid, ending nothing", async () => {
    const node = await session('polecat:web-1');
    await node.client.query('select pg_advisory_lock($1::bigint)', [String(Number(key) + 1)]);
    const idle = await session('psql');
    const refusedNode = await cli('terminate', String(node.pid), '-c', url);
    expect(refusedNode.code).toBe(2);
    expect(refusedNode.err).toMatch(/lock session of node web-1/);
    await expect(terminateStrandedSession(admin, idle.pid)).rejects.toSatisfy(
      (error) => OpsError.hasCode(error, 'INVALID_ARGUMENT') && /holds no advisory lock/.test((error as Error).message),
    );
    await expect(terminateStrandedSession(admin, 2_000_000_000)).rejects.toSatisfy((error) => OpsError.hasCode(error, 'INVALID_ARGUMENT'));
    // both still alive
    expect((await node.client.query('select 1 as one')).rows[0]).toEqual({ one: 1 });
    expect((await idle.client.query('select 1 as one')).rows[0]).toEqual({ one: 1 });
    const snapshot = await readPostgresClusterSnapshot(admin, { schema });
    expect(snapshot.strandedLocks.filter((lock) => lock.session === node.pid)).toEqual([]);
  });
});
