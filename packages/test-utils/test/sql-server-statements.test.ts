import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { createSqlServerAdmin } from '../src/sql-server';
import { TEST_UTILS_SQL_SERVER_STATEMENTS, isListedTestUtilsStatement } from '../src/sql-server-statements';

const sent: string[] = [];

// A recording mssql: every batch the admin connection sends is kept; sessions 51 and 52 match.
vi.mock('mssql', () => {
  class Request {
    input(): this {
      return this;
    }
    async query(batch: string): Promise<{ recordset: unknown[] }> {
      sent.push(batch);
      return { recordset: batch.includes('COUNT(*)') ? [{ n: 2 }] : [{ id: 51 }, { id: 52 }] };
    }
    async batch(batch: string): Promise<{ recordset: unknown[] }> {
      sent.push(batch);
      return { recordset: [] };
    }
  }
  class ConnectionPool {
    on(): void {}
    async connect(): Promise<void> {}
    request(): Request {
      return new Request();
    }
    async close(): Promise<void> {}
  }
  return { default: { ConnectionPool, NVarChar: (length: number) => ({ length }) } };
});

describe("test-utils' SQL Server statements", () => {
  it('the admin connection sends only listed statements', async () => {
    const admin = await createSqlServerAdmin('Server=localhost;Database=master;User Id=sa;Password=x');
    await admin.countSessionsWithPrefix('polecat');
    expect(await admin.killSessionsByApplicationName('node-a')).toBe(2);
    await admin.close();
    expect(sent.length).toBe(4);
    for (const batch of sent) expect(isListedTestUtilsStatement(batch), `not listed: ${batch}`).toBe(true);
  });

  it('sql-server.ts writes no T-SQL of its own: every query and batch takes a listed statement', () => {
    const source = readFileSync(new URL('../src/sql-server.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/\.(query|batch)(<[^>]*>)?\(\s*['"`]/);
  });

  it('documents every statement with a Microsoft page, and KILL takes only a session id', () => {
    for (const statement of TEST_UTILS_SQL_SERVER_STATEMENTS) {
      expect(statement.docs.length, statement.name).toBeGreaterThan(0);
      for (const page of statement.docs) expect(page).toMatch(/^https:\/\/learn\.microsoft\.com\/sql\//);
    }
    expect(isListedTestUtilsStatement('KILL 51; DROP TABLE t')).toBe(false);
  });
});
