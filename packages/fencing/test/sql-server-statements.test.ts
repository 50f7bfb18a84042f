import { describe, expect, it } from 'vitest';
import { SQL_SERVER_STATEMENTS } from '../src/internal/sql-server-statements';
import { SqlServerEpochStore } from '../src/sql-server-epoch-store';

/** A request factory that records every batch and answers an epoch row. */
function recordingDb(sent: string[]) {
  return {
    request() {
      return {
        input() {},
        async query(batch: string) {
          sent.push(batch);
          return { recordset: [{ epoch: '1' }] };
        },
      };
    },
  };
}

describe('SQL Server statements of the fencing store', () => {
  it('sends only statements listed in sql-server-statements.ts, and uses every listed one', async () => {
    const sent: string[] = [];
    const db = recordingDb(sent);
    const store = new SqlServerEpochStore(db, { schema: 'ops', table: 'epochs' });
    await store.ensureTable();
    await store.nextEpoch('orders:1');
    await store.currentEpoch('orders:1');
    await store.assertCurrent(db, 'orders:1', 1n);
    const listed = SQL_SERVER_STATEMENTS.map((statement) => statement.sql('[ops].[epochs]'));
    for (const batch of sent) expect(listed, `not listed: ${batch}`).toContain(batch);
    expect(new Set(sent)).toEqual(new Set(listed));
  });

  it('documents every statement with at least one Microsoft page', () => {
    for (const statement of SQL_SERVER_STATEMENTS) {
      expect(statement.docs.length, statement.name).toBeGreaterThan(0);
      for (const page of statement.docs) expect(page).toMatch(/^https:\/\/learn\.microsoft\.com\/sql\//);
    }
  });

  it('bumps without MERGE', () => {
    for (const statement of SQL_SERVER_STATEMENTS) expect(statement.sql('[dbo].[t]')).not.toMatch(/\bMERGE\b/);
  });
});
