import { randomUUID } from 'node:crypto';
import mssql from 'mssql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseSqlServerConnection } from '@polecat/app-lock/sql-server';
import { describeSqlServer } from '@polecat/test-utils/vitest';
import {
  SqlServerOpsNode,
  assertSqlServerOpsSchema,
  drainNodeOnSqlServer,
  ensureSqlServerOpsSchema,
  pauseShardOnSqlServer,
  readSqlServerIntents,
  readSqlServerNodeRecords,
  resumeShardOnSqlServer,
  undrainNodeOnSqlServer,
} from '../src/index';
import { cli } from './support/cli';

// Registry and intents against a REAL SQL Server (POLECAT_TEST_MSSQL or a container); skipped with one
// line otherwise. Each run uses a schema of its own, dropped at the end.
await describeSqlServer('registry and ownership intents on SQL Server', (connectionString) => {
  const schema = `polecat_it_${randomUUID().slice(0, 8)}`;
  const config = parseSqlServerConnection(connectionString).config;
  const pools: mssql.ConnectionPool[] = [];
  const open = async (): Promise<mssql.ConnectionPool> => {
    const pool = new mssql.ConnectionPool(config);
    pool.on('error', () => undefined);
    await pool.connect();
    pools.push(pool);
    return pool;
  };
  const distribution = [{ key: 'default/71', lockId: 71, database: { id: 'default' }, names: [{ identity: 'ItTrip:All' }] }];

  beforeAll(async () => {
    await (await open()).request().batch(`CREATE SCHEMA [${schema}]`);
  });
  afterAll(async () => {
    const pool = pools[0]!;
    for (const table of ['polecat_intent_log', 'polecat_intents', 'polecat_nodes']) await pool.request().batch(`DROP TABLE IF EXISTS [${schema}].[${table}]`);
    await pool.request().batch(`DROP SCHEMA IF EXISTS [${schema}]`);
    await Promise.all(pools.map((p) => p.close()));
  });

  it('creates the tables once when three nodes race, then finds them', async () => {
    const racing = await Promise.all([open(), open(), open()]);
    await Promise.all(racing.map((pool) => ensureSqlServerOpsSchema(pool, { schema })));
    await ensureSqlServerOpsSchema(racing[0]!, { schema }); // idempotent
    await expect(assertSqlServerOpsSchema(racing[1]!, { schema })).resolves.toBeUndefined();
  });

  it('registers a node, and the node sees pause, resume, drain and undrain at its next read', async () => {
    const pool = await open();
    const node = new SqlServerOpsNode({ pool, nodeId: 'it-node-1', schema, refreshMs: 0, createSchema: false });
    const context = { distribution: distribution as never, signal: new AbortController().signal };
    expect(await node.read(context)).toEqual({ paused: new Set(), draining: false });
    expect((await readSqlServerNodeRecords(pool, { schema })).map((n) => [n.nodeId, n.sets.map((s) => s.key)])).toEqual([['it-node-1', ['default/71']]]);

    const paused = await pauseShardOnSqlServer(pool, 'ItTrip', { schema, by: 'it@test' });
    expect(paused).toMatchObject({ changed: true, target: 'ItTrip:All', intent: { kind: 'pause', requestedBy: 'it@test' } });
    expect((await node.read(context)).paused).toEqual(new Set(['ItTrip:All']));
    expect((await pauseShardOnSqlServer(pool, 'ItTrip:All', { schema, by: 'it@test' })).changed).toBe(false);
    expect(await resumeShardOnSqlServer(pool, 'ItTrip', { schema, by: 'it@test' })).toMatchObject({ changed: true });
    expect((await node.read(context)).paused.size).toBe(0);

    expect((await drainNodeOnSqlServer(pool, 'it-node-1', { schema, by: 'it@test' })).changed).toBe(true);
    expect((await node.read(context)).draining).toBe(true);
    expect((await undrainNodeOnSqlServer(pool, 'it-node-1', { schema, by: 'it@test' })).changed).toBe(true);
    expect((await node.read(context)).draining).toBe(false);
    await node.dispose();
  });

  it('records one intent when two operators pause the same shard at once', async () => {
    const [a, b] = [await open(), await open()];
    await Promise.all([a, b].map((pool) => pauseShardOnSqlServer(pool, 'ItRace', { schema, by: 'it@test', force: true })));
    expect((await readSqlServerIntents(a, { schema })).filter((intent) => intent.target === 'ItRace:All')).toHaveLength(1);
  });

  it('runs the CLI against it', async () => {
    const paused = await cli('pause', 'ItTrip', '-c', connectionString, '--schema', schema, '--json');
    expect(paused.code).toBe(0);
    expect(JSON.parse(paused.out)).toMatchObject({ target: 'ItTrip:All' });
    const status = await cli('status', connectionString, '--schema', schema, '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out).sets.map((set: { key: string }) => set.key)).toContain('default/71');
  });
});
