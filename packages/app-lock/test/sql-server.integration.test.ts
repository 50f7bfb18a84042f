import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import mssql from 'mssql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeSqlServer } from '@polecat/test-utils/vitest';
import { parseSqlServerConnection } from '../src/sql-server/sql-server-connection-config';
import { SqlServerAppLock, type SqlServerAppLockOptions } from '../src/sql-server/index';
import { runAppLockConformance } from '../src/testing';

// The conformance suite against a REAL SQL Server: the one in POLECAT_TEST_MSSQL (a connection string,
// e.g. `Server=127.0.0.1,1433;Database=master;User Id=sa;Password=...;Encrypt=true;
// TrustServerCertificate=true`; the login needs VIEW SERVER STATE and ALTER ANY CONNECTION for the kill
// cases), else a mcr.microsoft.com/mssql/server:2022-latest container when testcontainers finds a
// container runtime. Otherwise it is skipped with one line saying why (legitimate everywhere, CI
// included). See packages/app-lock/README.md, section "SQL Server" ("Testing against SQL Server").
await describeSqlServer('SqlServerAppLock conformance (SQL Server)', (connectionString) => {
  const parsed = parseSqlServerConnection(connectionString);
  const prefix = `polecat-conf-${randomUUID().slice(0, 8)}`;
  let owners = 0;
  let admin: mssql.ConnectionPool;

  beforeAll(async () => {
    admin = new mssql.ConnectionPool({ ...parsed.config, options: { ...parsed.config.options, appName: `${prefix}-admin` } });
    admin.on('error', () => undefined);
    await admin.connect();
  });
  afterAll(() => admin?.close());

  const create = (connection: string | mssql.config, options: SqlServerAppLockOptions = {}) =>
    new SqlServerAppLock(connection, { ...options, applicationName: `${prefix}-${++owners}` });

  runAppLockConformance<SqlServerAppLock>({
    name: 'sqlserver',
    createLock: (options) => create(connectionString, options),
    async killSession(lock) {
      // KILL takes no variable, so the session ids found by program_name are killed through EXEC.
      const result = await admin.request().input('app', mssql.NVarChar(128), lock.applicationName).query<{ killed: number }>(`SET NOCOUNT ON;
DECLARE @id int, @killed int = 0, @sql nvarchar(64);
DECLARE s CURSOR LOCAL FAST_FORWARD FOR SELECT session_id FROM sys.dm_exec_sessions WHERE program_name = @app AND session_id <> @@SPID;
OPEN s; FETCH NEXT FROM s INTO @id;
WHILE @@FETCH_STATUS = 0 BEGIN SET @sql = N'KILL ' + CAST(@id AS nvarchar(12)); EXEC (@sql); SET @killed += 1; FETCH NEXT FROM s INTO @id; END;
CLOSE s; DEALLOCATE s;
SELECT @killed AS killed;`);
      const killed = result.recordset[0]?.killed;
      if (killed !== 1) throw new Error(`expected to KILL 1 session of ${lock.applicationName}, killed ${String(killed)}`);
    },
    async createCuttableLock(options) {
      const proxy = await startProxy(parsed.config.server, parsed.config.port ?? 1433);
      const lock = create({ ...parsed.config, server: '127.0.0.1', port: proxy.port }, options);
      return { lock, cut: () => proxy.cutAll(), close: () => proxy.close() };
    },
    async countServerConnections() {
      const result = await admin
        .request()
        .input('pattern', mssql.NVarChar(128), `${prefix}-%`)
        .input('admin', mssql.NVarChar(128), `${prefix}-admin`)
        .query<{ n: number }>('SELECT COUNT(*) AS n FROM sys.dm_exec_sessions WHERE program_name LIKE @pattern AND program_name <> @admin');
      return result.recordset[0]?.n ?? 0;
    },
  });

  // Backend-specific mapping (sqlServerResourceName): with the default empty prefix the number 5 and
  // the string "5" are ONE resource (a .NET node only knows numbers); a string prefix separates them.
  it('maps the number 5 and the string "5" to one resource without a prefix, and to two with one', async () => {
    const [id] = [Math.floor(Math.random() * 1_000_000_000) + 1_000_000];
    const [a, b] = [create(connectionString), create(connectionString)];
    const [p, q] = [create(connectionString, { resourcePrefix: `${prefix}:` }), create(connectionString)];
    try {
      expect(await a.tryAttainLock(id)).toBe(true);
      expect(await b.tryAttainLock(String(id))).toBe(false);
      expect(await a.tryAttainLock(String(id))).toBe(false); // held under the number: never stacked
      expect(await p.tryAttainLock(String(id))).toBe(true); // `${prefix}:${id}` is another resource
      expect(await q.tryAttainLock(String(id))).toBe(false);
    } finally {
      await Promise.all([a, b, p, q].map((lock) => lock.dispose()));
    }
  });
});

/** A minimal TCP proxy whose connections can be reset at once (a pulled cable with RST). */
async function startProxy(host: string, port: number): Promise<{ port: number; cutAll(): void; close(): Promise<void> }> {
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    cutAll() {
      for (const [client, upstream] of pairs) {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      }
      pairs.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [client, upstream] of pairs) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
