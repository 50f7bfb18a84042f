import type { PgAdmin } from '@polecat/test-utils';

/** Who holds each advisory lock key on the server (in `database`, or any): key -> application_names of the holding sessions. */
export async function advisoryLockHolders(admin: PgAdmin, keys: readonly number[], database?: string): Promise<Map<number, string[]>> {
  const result = await admin.query<{ k: string; app: string }>(
    `select (l.classid::bigint << 32) | l.objid::bigint as k, a.application_name as app
     from pg_locks l join pg_stat_activity a on a.pid = l.pid
     join pg_database d on d.oid = l.database and ($2::text is null or d.datname = $2)
     where l.locktype = 'advisory' and l.granted and l.objsubid = 1
       and ((l.classid::bigint << 32) | l.objid::bigint) = any($1::bigint[])`,
    [keys.map(String), database ?? null],
  );
  const holders = new Map<number, string[]>();
  for (const row of result.rows) {
    const key = Number(row.k);
    holders.set(key, [...(holders.get(key) ?? []), row.app]);
  }
  return holders;
}

/** Creates `name` on the server unless it exists (CREATE DATABASE runs outside a transaction; a concurrent creator is fine). */
export async function ensureDatabase(admin: PgAdmin, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name ${name}`);
  const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
  if (exists.rowCount !== 0) return;
  try {
    await admin.query(`create database ${name}`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== '42P04' && code !== '23505') throw error; // already exists / created concurrently
  }
}

/** The same URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
