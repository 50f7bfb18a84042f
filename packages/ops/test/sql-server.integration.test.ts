import mssql from 'mssql';
import { afterAll, expect, it } from 'vitest';
import { SqlServerAppLock } from '@polecat/app-lock/sql-server';
import { describeSqlServer } from '@polecat/test-utils/vitest';
import { readSqlServerClusterSnapshot, singleTenantSets } from '../src/index';
import { cli } from './support/cli';

await describeSqlServer('the cluster view on SQL Server', (connectionString) => {
  const sets = singleTenantSets(['OpsA', 'OpsB', 'OpsC'], 'dbo', 612_000);
  const lock = new SqlServerAppLock(connectionString, { applicationName: 'polecat:mssql-n1' });
  afterAll(() => lock.dispose());

  it('names the holder of each set from sys.dm_tran_locks + sys.dm_exec_sessions; an unheld set has none', async () => {
    expect(await lock.tryAttainLock(sets[0]!.lockId)).toBe(true);
    expect(await lock.tryAttainLock(sets[1]!.lockId)).toBe(true);
    const { parseSqlServerConnection } = await import('@polecat/app-lock/sql-server');
    const pool = new mssql.ConnectionPool(parseSqlServerConnection(connectionString).config);
    await pool.connect();
    try {
      const snapshot = await readSqlServerClusterSnapshot(pool, { sets });
      const holders = Object.fromEntries(snapshot.sets.map((set) => [set.shards[0], set.holder?.nodeId]));
      expect(holders).toEqual({ 'OpsA:All': 'mssql-n1', 'OpsB:All': 'mssql-n1', 'OpsC:All': undefined });
      expect(snapshot.nodes.find((node) => node.nodeId === 'mssql-n1')?.live).toBe(true);
    } finally {
      await pool.close();
    }
    const printed = await cli('status', connectionString, '--shards', 'OpsA,OpsB,OpsC', '--daemon-lock-id', '612000', '--json');
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.out).unheld).toEqual([sets[2]!.key]);
  });
});
