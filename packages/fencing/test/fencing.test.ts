import { describe, expect, it } from 'vitest';
import {
  FencingEpochSource,
  FencingError,
  InMemoryEpochStore,
  PostgresEpochStore,
  SqlServerEpochStore,
  StaleEpochError,
  postgresFencingMigration,
  postgresFencingTableName,
  sqlServerFencingMigration,
  sqlServerFencingTableName,
} from '../src';

describe('identifiers and keys', () => {
  it('quotes validated schema/table names and refuses anything that is not a plain identifier', () => {
    expect(postgresFencingTableName()).toBe('"public"."polecat_fencing_epochs"');
    expect(postgresFencingTableName({ schema: 'app', table: 'Epochs_2' })).toBe('"app"."Epochs_2"');
    expect(sqlServerFencingTableName()).toBe('[dbo].[polecat_fencing_epochs]');
    for (const bad of ['', 'a"b', 'x; DROP TABLE y; --', 'a]b', 'é', '1abc', 'a'.repeat(64), 'a b']) {
      expect(() => postgresFencingTableName({ table: bad }), bad).toThrow(FencingError);
      expect(() => sqlServerFencingTableName({ schema: bad }), bad).toThrow(FencingError);
    }
    expect(postgresFencingMigration({ schema: 's' })).toContain('CREATE TABLE IF NOT EXISTS "s"."polecat_fencing_epochs"');
    expect(sqlServerFencingMigration()).toContain('OBJECT_ID(@table');
  });

  it('refuses empty, NUL-bearing, too long or non-string keys and bad epochs with typed errors', async () => {
    const store = new InMemoryEpochStore();
    for (const key of ['', 'a\u0000b', 'k'.repeat(451), 5 as unknown as string]) {
      await expect(store.nextEpoch(key)).rejects.toSatisfy((e) => FencingError.hasCode(e, 'INVALID_KEY'));
    }
    await store.nextEpoch('k');
    for (const epoch of [0, -1, 1.5, Number.NaN, 2n ** 63n, '1' as unknown as number]) {
      expect(() => store.assertCurrent('k', epoch as bigint)).toThrow(expect.objectContaining({ code: 'INVALID_EPOCH' }));
    }
  });
});

describe('InMemoryEpochStore', () => {
  it('grows per key and refuses a stale epoch', async () => {
    const store = new InMemoryEpochStore();
    expect(await store.nextEpoch('a')).toBe(1n);
    expect(await store.nextEpoch('a')).toBe(2n);
    expect(await store.nextEpoch('b')).toBe(1n);
    expect(() => store.assertCurrent('a', 2n)).not.toThrow();
    let error: unknown;
    try {
      store.assertCurrent('a', 1n);
    } catch (e) {
      error = e;
    }
    expect(StaleEpochError.isStale(error)).toBe(true);
    expect(error).toMatchObject({ key: 'a', epoch: 1n, currentEpoch: 2n });
    expect(() => store.assertCurrent('never', 1n)).toThrow(StaleEpochError);
  });
});

describe('FencingEpochSource', () => {
  it('bumps the set key in the database store and remembers each shard key', async () => {
    const stores = new Map<string, InMemoryEpochStore>([
      ['t1', new InMemoryEpochStore()],
      ['t2', new InMemoryEpochStore()],
    ]);
    const source = new FencingEpochSource({ store: (database) => stores.get(database.id)! });
    const set = { key: 't1/42', lockId: 42, database: { id: 't1' }, names: [{ identity: 'A:All' }, { identity: 'B:All' }] };
    expect(source.keyFor('t1', 'A:All')).toBeUndefined();
    expect(await source.nextEpoch(set)).toBe(1n);
    expect(await source.nextEpoch(set)).toBe(2n);
    expect(await source.nextEpoch({ ...set, key: 't2/42', database: { id: 't2' } })).toBe(1n);
    expect(source.keyFor({ id: 't1' }, { identity: 'B:All' })).toBe('t1/42');
    expect(await stores.get('t1')!.currentEpoch('t1/42')).toBe(2n);
    expect(await stores.get('t2')!.currentEpoch('t1/42')).toBeUndefined();
  });

  it('uses keyOf and refuses a missing store', async () => {
    const store = new InMemoryEpochStore();
    const source = new FencingEpochSource({ store, keyOf: (set) => `db:${set.database.id}` });
    await source.nextEpoch({ key: 'x/1', database: { id: 'x' }, names: [{ identity: 'S:All' }] });
    expect(source.keyFor('x', 'S:All')).toBe('db:x');
    expect(() => new FencingEpochSource({ store: undefined as unknown as InMemoryEpochStore })).toThrow(FencingError);
  });

  it('rejects an aborted request with ABORTED', async () => {
    const source = new FencingEpochSource({ store: new InMemoryEpochStore() });
    await expect(source.nextEpoch({ key: 'x/1', database: { id: 'x' }, names: [] }, AbortSignal.abort())).rejects.toSatisfy((e) =>
      FencingError.hasCode(e, 'ABORTED'),
    );
  });
});

describe('SQL sent (no database)', () => {
  it('PostgresEpochStore binds every key as $1 and wraps driver errors as STORE_FAILED', async () => {
    const sent: { text: string; values: unknown[] | undefined }[] = [];
    const db = {
      async query(text: string, values?: unknown[]) {
        sent.push({ text, values });
        if (text.startsWith('INSERT')) return { rows: [{ epoch: '7' }] };
        return { rows: [] };
      },
    };
    const store = new PostgresEpochStore(db);
    const key = "'; DROP TABLE x; --";
    expect(await store.nextEpoch(key)).toBe(7n);
    expect(sent[0]!.text).toContain('CREATE TABLE IF NOT EXISTS');
    expect(sent[1]!.text).not.toContain(key);
    expect(sent[1]!.values).toEqual([key]);
    await expect(store.assertCurrent(db, key, 7n)).rejects.toBeInstanceOf(StaleEpochError);
    const failing = new PostgresEpochStore({ query: () => Promise.reject(new Error('boom')) }, { createTable: false });
    await expect(failing.nextEpoch('k')).rejects.toSatisfy((e) => FencingError.hasCode(e, 'STORE_FAILED') && (e as Error).cause instanceof Error);
  });

  it('SqlServerEpochStore bumps in one batch and one transaction: UPDATE WITH (UPDLOCK, HOLDLOCK), then INSERT, with the key as @key', async () => {
    const batches: { batch: string; inputs: Record<string, unknown> }[] = [];
    const db = {
      request() {
        const inputs: Record<string, unknown> = {};
        return {
          input(name: string, value: unknown) {
            inputs[name] = value;
          },
          async query(batch: string) {
            batches.push({ batch, inputs });
            return { recordset: batch.includes('BEGIN TRANSACTION') ? [{ epoch: '3' }] : batch.includes('HOLDLOCK, ROWLOCK') ? [{ epoch: '4' }] : [] };
          },
        };
      },
    };
    const store = new SqlServerEpochStore(db);
    const key = ']; DROP TABLE x; --';
    expect(await store.nextEpoch(key)).toBe(3n);
    expect(batches[0]!.inputs).toEqual({ table: '[dbo].[polecat_fencing_epochs]' });
    expect(batches[1]!.batch).toMatch(
      /BEGIN TRANSACTION;\nUPDATE \[dbo\]\.\[polecat_fencing_epochs\] WITH \(UPDLOCK, HOLDLOCK\)[\s\S]*IF @@ROWCOUNT = 0[\s\S]*INSERT INTO \[dbo\]\.\[polecat_fencing_epochs\][\s\S]*COMMIT TRANSACTION;/,
    );
    expect(batches[1]!.batch).not.toContain('MERGE');
    expect(batches[1]!.batch).not.toContain(key);
    expect(batches[1]!.inputs).toEqual({ key });
    await expect(store.assertCurrent(db, key, 3n)).rejects.toMatchObject({ code: 'STALE_EPOCH', currentEpoch: 4n });
    await expect(store.assertCurrent(db, key, 4n)).resolves.toBeUndefined();
  });
});

describe('issue 9: SqlServerEpochStore.ensureTable and a concurrent create', () => {
  const failingOnce = (error: unknown) => {
    let calls = 0;
    return {
      calls: () => calls,
      request() {
        return {
          input() {},
          async query() {
            calls += 1;
            if (calls === 1) throw error;
            return { recordset: [] };
          },
        };
      },
    };
  };

  it('treats error 2714 (the table was created by another node meanwhile) as success', async () => {
    const raced = Object.assign(new Error("There is already an object named 'polecat_fencing_epochs' in the database."), { number: 2714 });
    const db = failingOnce(raced);
    await expect(new SqlServerEpochStore(db).ensureTable()).resolves.toBeUndefined();
    // the same through mssql's wrapping (RequestError.originalError.info.number)
    const wrapped = Object.assign(new Error('RequestError'), { originalError: { info: { number: 2714 } } });
    await expect(new SqlServerEpochStore(failingOnce(wrapped)).ensureTable()).resolves.toBeUndefined();
  });

  it('still fails on any other error, and retries on the next call', async () => {
    const db = failingOnce(Object.assign(new Error('permission denied'), { number: 262 }));
    const store = new SqlServerEpochStore(db);
    await expect(store.ensureTable()).rejects.toSatisfy((e) => FencingError.hasCode(e, 'STORE_FAILED'));
    await expect(store.ensureTable()).resolves.toBeUndefined();
    expect(db.calls()).toBe(2);
  });
});
