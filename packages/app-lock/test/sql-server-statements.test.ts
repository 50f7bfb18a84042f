import { readFileSync } from 'node:fs';
import mssql from 'mssql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as sqlText from '../src/sql-server/internal/sql-server-sql';
import { SQL_SERVER_STATEMENTS } from '../src/sql-server/internal/sql-server-sql';
import { SqlServerSession, type ReleasablePool } from '../src/sql-server/internal/sql-server-session';

const SPID = 51;

/** A session over fake connection objects whose requests record the T-SQL they would send. */
function recordingSession(sent: string[]): SqlServerSession {
  vi.spyOn(mssql.Request.prototype, 'query').mockImplementation(async function (this: mssql.Request, sql: unknown) {
    sent.push(String(sql));
    const names = JSON.parse(String((this.parameters as Record<string, { value: unknown }>).names!.value)) as string[];
    const recordset = names.map((_, idx) => ({ idx, spid: SPID, rc: 0, mode: 'Exclusive', grantable: 1 }));
    return { recordset } as never;
  });
  const connection = { on: () => connection, closed: false, close: () => undefined } as unknown as mssql.Connection;
  const pool = { release: () => undefined, close: async () => undefined, connecting: false } as unknown as ReleasablePool;
  const statement = {} as mssql.PreparedStatement;
  return new SqlServerSession(pool, statement, connection, SPID, 'sqlserver://test', 0);
}

describe('SQL Server statements of the lock', () => {
  afterEach(() => vi.restoreAllMocks());

  it('sends only statements listed in sql-server-sql.ts (the T-SQL text, not the server, is checked)', async () => {
    const sent: string[] = [];
    const session = recordingSession(sent);
    await session.tryAcquire(['a', 'b']);
    await session.waitAcquire('c', 100);
    await session.verify(['a']);
    await session.probe(['a', 'z']);
    await session.release(['a', 'b', 'c']);
    const listed = SQL_SERVER_STATEMENTS.map((statement) => statement.sql);
    expect(sent).toHaveLength(5);
    for (const sql of sent) expect(listed, `not listed: ${sql.slice(0, 80)}`).toContain(sql);
  });

  it('lists every statement constant of the package, each with a Microsoft page', () => {
    const constants = Object.entries(sqlText)
      .filter(([name]) => name.endsWith('_SQL'))
      .map(([, sql]) => sql);
    expect(new Set(SQL_SERVER_STATEMENTS.map((statement) => statement.sql))).toEqual(new Set(constants));
    for (const statement of SQL_SERVER_STATEMENTS) {
      expect(statement.docs.length, statement.name).toBeGreaterThan(0);
      for (const page of statement.docs) expect(page).toMatch(/^https:\/\/learn\.microsoft\.com\/sql\//);
    }
  });

  it('sends T-SQL from that file only: no other source file of the backend holds a statement', () => {
    const files = ['sql-server-app-lock.ts', 'internal/sql-server-driver.ts', 'internal/sql-server-session.ts', 'sql-server-errors.ts'];
    for (const file of files) {
      const source = readFileSync(new URL(`../src/sql-server/${file}`, import.meta.url), 'utf8');
      expect(source, file).not.toMatch(/\b(SELECT|EXEC|DECLARE|INSERT|UPDATE)\s+[@\w[]/);
    }
  });
});
