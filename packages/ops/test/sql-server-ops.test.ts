import { describe, expect, it } from 'vitest';
import { OpsError } from '../src/ops-error';
import {
  drainNodeOnSqlServer,
  pauseShardOnSqlServer,
  readSqlServerIntents,
  resumeShardOnSqlServer,
  undrainNodeOnSqlServer,
} from '../src/sql-server/sql-server-intents-admin';
import { SqlServerOpsNode, intentsFor } from '../src/sql-server/sql-server-ops-node';
import { readSqlServerClusterSnapshotWithRegistry } from '../src/sql-server/sql-server-registry-snapshot';
import { assertSqlServerOpsSchema, ensureSqlServerOpsSchema } from '../src/sql-server/sql-server-ops-schema';
import { SQL_SERVER_OPS_STATEMENTS, sqlServerOpsTables } from '../src/sql-server/sql-server-ops-statements';

const NODE_ROW = {
  node_id: 'web-1',
  host: 'h',
  pid: 7,
  version: '1',
  started_at: new Date('2026-01-01T00:00:00Z'),
  seen_at: new Date('2026-01-01T00:00:01Z'),
  sets: JSON.stringify([{ key: 'default/17', lockId: 17, database: 'default', shards: ['Trip:All'] }]),
  owned: '[]',
};
/** Resource names longer than the 32 characters `sys.dm_tran_locks` keeps, so two sets share a description. */
const LONG_NAMES = {
  resourceName: (lockId: number) => `${'x'.repeat(40)}${lockId}`,
  sets: [{ key: 'default/18', lockId: 18, database: 'default', shards: ['Day:All'] }],
};
const INTENT_ROW = { kind: 'pause', target: 'Trip:All', requested_by: 'ops@h', requested_at: new Date('2026-01-01T00:00:02Z'), reason: null };

/**
 * A pool that records each batch and its inputs, and answers by the statement's shape. It checks
 * which T-SQL text is sent and how rows are mapped, not what SQL Server does with it.
 */
function recordingPool(options: { tablesExist?: boolean; failWith?: unknown } = {}) {
  const sent: { sql: string; inputs: Record<string, unknown> }[] = [];
  const pool = {
    request() {
      const inputs: Record<string, unknown> = {};
      const request = {
        input(name: string, value: unknown) {
          inputs[name] = value;
          return request;
        },
        async query(sql: string) {
          sent.push({ sql, inputs });
          if (options.failWith !== undefined) throw options.failWith;
          if (sql.startsWith('SELECT OBJECT_ID'))
            return { recordset: [options.tablesExist === false ? { nodes: null, intents: null, log: null } : { nodes: 1, intents: 2, log: 3 }] };
          if (sql.startsWith('SELECT node_id')) return { recordset: [NODE_ROW] };
          if (sql.startsWith('SELECT kind')) return { recordset: [INTENT_ROW] };
          if (sql.startsWith('SELECT l.request_session_id'))
            return { recordset: [{ session_id: 60, resource_description: `0:[${'x'.repeat(32)}]:(8194a26e)`, program_name: 'polecat:web-1' }] };
          if (sql.startsWith('SELECT session_id'))
            return { recordset: [{ session_id: 60, program_name: 'polecat:web-1', at: new Date('2026-01-01T00:00:03Z') }] };
          if (sql.startsWith('SELECT APPLOCK_TEST')) return { recordset: [{ grantable: String(inputs.resource).endsWith('17') ? 0 : 1 }] };
          if (sql.includes('SELECT @removed')) return { recordset: [{ removed: 1 }] };
          if (sql.includes('INSERT INTO [dbo].[polecat_intent_log]') && sql.includes('UPDLOCK'))
            return { recordset: [{ ...INTENT_ROW, kind: inputs.kind, target: inputs.target }] };
          return { recordset: [] };
        },
      };
      return request;
    },
  };
  return { pool, sent };
}

describe('SQL Server ops statements', () => {
  it('sends only statements listed in sql-server-ops-statements.ts, each documented by a Microsoft page', async () => {
    const { pool, sent } = recordingPool();
    await ensureSqlServerOpsSchema(pool);
    await pauseShardOnSqlServer(pool, 'Trip', { by: 'ops@h' });
    await resumeShardOnSqlServer(pool, 'Trip:All', { by: 'ops@h' });
    await drainNodeOnSqlServer(pool, 'web-1', { by: 'ops@h', reason: 'deploy' });
    await undrainNodeOnSqlServer(pool, 'web-1', { by: 'ops@h' });
    const node = new SqlServerOpsNode({ pool, nodeId: 'web-1' });
    await node.read({ distribution: [], signal: new AbortController().signal });
    await node.dispose();
    await readSqlServerClusterSnapshotWithRegistry(pool, LONG_NAMES);
    const listed = SQL_SERVER_OPS_STATEMENTS.map((statement) => statement.sql(sqlServerOpsTables()));
    for (const { sql } of sent) expect(listed, `not listed: ${sql.slice(0, 80)}`).toContain(sql);
    expect(new Set(sent.map(({ sql }) => sql))).toEqual(new Set(listed));
    for (const statement of SQL_SERVER_OPS_STATEMENTS) {
      expect(statement.docs.length, statement.name).toBeGreaterThan(0);
      for (const page of statement.docs) expect(page).toMatch(/^https:\/\/learn\.microsoft\.com\/sql\//);
    }
  });

  it('creates the tables in one transaction behind a transaction-owned application lock, without MERGE', () => {
    const create = SQL_SERVER_OPS_STATEMENTS[0]!.sql(sqlServerOpsTables('ops'));
    expect(create).toMatch(
      /BEGIN TRANSACTION;[\s\S]*sp_getapplock @Resource = N'polecat:ops-schema', @LockMode = 'Exclusive', @LockOwner = 'Transaction'[\s\S]*COMMIT TRANSACTION;$/,
    );
    expect(create.match(/IF OBJECT_ID\(@\w+Name, N'U'\) IS NULL\nCREATE TABLE \[ops\]\./g)).toHaveLength(3);
    for (const statement of SQL_SERVER_OPS_STATEMENTS) expect(statement.sql(sqlServerOpsTables())).not.toMatch(/\bMERGE\b/);
  });

  it('binds every value as a parameter: a hostile target never reaches the T-SQL text', async () => {
    const { pool, sent } = recordingPool();
    const hostile = "x'; DROP TABLE t; --";
    await pauseShardOnSqlServer(pool, hostile, { by: 'ops@h', force: true });
    for (const { sql } of sent) expect(sql).not.toContain(hostile);
    expect(sent.at(-1)!.inputs).toMatchObject({ kind: 'pause', action: 'pause', target: `${hostile}:All`, by: 'ops@h', reason: null });
  });

  it('refuses a bad schema name', () => {
    expect(() => sqlServerOpsTables('dbo]; DROP')).toThrow(OpsError);
  });
});

describe('SQL Server ops semantics (shared with PostgreSQL)', () => {
  it('resolves a shard name to its identity and reads intents back as records', async () => {
    const { pool } = recordingPool();
    const change = await pauseShardOnSqlServer(pool, 'Trip', { by: 'ops@h' });
    expect(change).toMatchObject({ changed: false, target: 'Trip:All', intent: { kind: 'pause', target: 'Trip:All', requestedBy: 'ops@h' } });
    expect(await readSqlServerIntents(pool)).toEqual([{ kind: 'pause', target: 'Trip:All', requestedBy: 'ops@h', requestedAt: '2026-01-01T00:00:02.000Z' }]);
  });

  it('shows registered sets with their holder and pauses in the cluster view', async () => {
    const { pool } = recordingPool();
    const snapshot = await readSqlServerClusterSnapshotWithRegistry(pool, LONG_NAMES);
    const trip = snapshot.sets.find((set) => set.key === 'default/17');
    const day = snapshot.sets.find((set) => set.key === 'default/18');
    expect(trip).toMatchObject({ shards: ['Trip:All'], holder: { nodeId: 'web-1' }, paused: { target: 'Trip:All' } });
    expect(day?.holder).toBeUndefined();
  });

  it('refuses unknown shards and nodes, and missing tables', async () => {
    const { pool } = recordingPool();
    await expect(pauseShardOnSqlServer(pool, 'Nope')).rejects.toMatchObject({ code: 'UNKNOWN_SHARD' });
    await expect(drainNodeOnSqlServer(pool, 'web-9')).rejects.toMatchObject({ code: 'UNKNOWN_NODE' });
    await expect(assertSqlServerOpsSchema(recordingPool({ tablesExist: false }).pool)).rejects.toMatchObject({ code: 'SCHEMA_MISSING' });
    const missing = recordingPool({ failWith: Object.assign(new Error("Invalid object name 'dbo.polecat_nodes'."), { number: 208 }) });
    await expect(readSqlServerIntents(missing.pool)).rejects.toMatchObject({ code: 'SCHEMA_MISSING' });
  });

  it('a node sees every pause and only its own drain, re-reading at most every refreshMs', async () => {
    expect(
      intentsFor('web-1', [
        { kind: 'pause', target: 'A:All' },
        { kind: 'drain', target: 'web-2' },
      ]),
    ).toEqual({ paused: new Set(['A:All']), draining: false });
    expect(intentsFor('web-2', [{ kind: 'drain', target: 'web-2' }]).draining).toBe(true);
    const { pool, sent } = recordingPool();
    let now = 0;
    const clock = { now: () => now, sleep: async () => undefined };
    const node = new SqlServerOpsNode({ pool, nodeId: 'web-1', refreshMs: 1000, clock });
    const context = { distribution: [], signal: new AbortController().signal };
    expect((await node.read(context)).paused).toEqual(new Set(['Trip:All']));
    const reads = () => sent.filter(({ sql }) => sql.startsWith('SELECT kind')).length;
    now = 999;
    await node.read(context);
    expect(reads()).toBe(1);
    now = 1000;
    await node.read(context);
    expect(reads()).toBe(2);
  });
});

describe('polecat CLI with a SQL Server connection string', () => {
  it('routes init, pause, resume, drain, undrain and status --web to SQL Server instead of refusing them', async () => {
    const { runCli } = await import('../src/cli/program');
    // nothing listens on port 1: each command gets as far as connecting to SQL Server
    const connection = 'Server=127.0.0.1,1;Database=polecat;User Id=sa;Password=x;Encrypt=false;Connect Timeout=2';
    for (const argv of [
      ['init', connection],
      ['pause', 'Trip', '-c', connection],
      ['resume', 'Trip', '-c', connection],
      ['drain', 'web-1', '-c', connection],
      ['undrain', 'web-1', '-c', connection],
      ['status', connection, '--web'],
    ]) {
      const errors: string[] = [];
      const code = await runCli(argv, { out: () => undefined, err: (text) => errors.push(text), env: {} });
      expect(code, argv.join(' ')).toBe(1);
      expect(errors.join(''), argv.join(' ')).toContain('QUERY_FAILED: could not connect to SQL Server');
    }
  }, 60_000);
});

describe('polecat status on SQL Server', () => {
  it('uses the registry when the ops tables exist, else the shards given, else says what is missing', async () => {
    const { readSqlServerStatus } = await import('../src/cli/sql-server-status');
    const withTables = await readSqlServerStatus(recordingPool().pool, { shards: [] });
    expect(withTables.sets.map((set) => set.key)).toEqual(['default/17']);
    expect(withTables.paused.map((intent) => intent.target)).toEqual(['Trip:All']);
    const without = recordingPool({ tablesExist: false });
    const fromShards = await readSqlServerStatus(without.pool, { shards: ['Day'], daemonLockId: 4444 });
    expect(fromShards.sets.map((set) => set.shards)).toEqual([['Day:All']]);
    expect(without.sent.some(({ sql }) => sql.startsWith('SELECT node_id'))).toBe(false);
    await expect(readSqlServerStatus(without.pool, { shards: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
