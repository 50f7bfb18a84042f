import { randomUUID } from 'node:crypto';
import mssql from 'mssql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeSqlServer } from '@polecat/test-utils/vitest';
import { SqlServerEpochStore } from '../src/sql-server-epoch-store';

// SqlServerEpochStore against a REAL SQL Server (POLECAT_TEST_MSSQL or a container); skipped with one
// line otherwise. Checks what the unit tests cannot: the UPDATE ... WITH (UPDLOCK, HOLDLOCK) then INSERT
// bump is race-safe (no duplicate-key error, no lost bump) and the table creation tolerates a race.
await describeSqlServer('SqlServerEpochStore on SQL Server', (connectionString) => {
  const table = `polecat_epochs_${randomUUID().slice(0, 8)}`;
  const pools: mssql.ConnectionPool[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 4; i++) {
      const pool = new mssql.ConnectionPool(connectionString);
      pool.on('error', () => undefined);
      await pool.connect();
      pools.push(pool);
    }
  });
  afterAll(async () => {
    await pools[0]?.request().batch(`DROP TABLE IF EXISTS [dbo].[${table}]`);
    await Promise.all(pools.map((pool) => pool.close()));
  });

  it('hands out 1..n exactly once when n first bumps of a new key race on separate connections', async () => {
    const stores = pools.map((pool) => new SqlServerEpochStore(pool, { table }));
    await Promise.all(stores.map((store) => store.ensureTable()));
    const key = `race-${randomUUID()}`;
    const epochs = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % stores.length]!.nextEpoch(key)));
    expect([...epochs].sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
    expect(await stores[0]!.currentEpoch(key)).toBe(20n);
  });

  it('refuses a stale epoch inside a transaction and accepts the current one', async () => {
    const store = new SqlServerEpochStore(pools[0]!, { table });
    const key = `check-${randomUUID()}`;
    const first = await store.nextEpoch(key);
    const second = await store.nextEpoch(key);
    const transaction = new mssql.Transaction(pools[1]!);
    await transaction.begin();
    try {
      await expect(store.assertCurrent(transaction, key, first)).rejects.toMatchObject({ code: 'STALE_EPOCH' });
      await expect(store.assertCurrent(transaction, key, second)).resolves.toBeUndefined();
    } finally {
      await transaction.rollback();
    }
  });
});
