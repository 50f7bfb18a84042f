// Where the example's locks and its shards' database live: the in-memory lock with a stand-in pool,
// or (`--pg <url>`) PostgreSQL advisory locks and a real `pg` pool.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InMemoryLockServer, type AppLock } from '@polecat/app-lock';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import pg from 'pg';

/** What the shards use: `pg.Pool`'s `query`, and `end` for the shutdown. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}

export interface Backend {
  readonly name: string;
  readonly pool: Queryable;
  createLock(): AppLock;
  /** Advisory locks held by this example's lock sessions now (PostgreSQL: read from `pg_locks`). */
  locksHeld(): Promise<number>;
  /** The same, polled until 0 (up to 2 s): the server drops a session's locks as its backend exits. */
  locksLeft(): Promise<number>;
}

/** The major of an installed package, as this process resolves it (e.g. `@nestjs/core`). */
export function frameworkMajor(name: string): number {
  let dir = dirname(fileURLToPath(import.meta.resolve(name)));
  while (!existsSync(join(dir, 'package.json')) || !readFileSync(join(dir, 'package.json'), 'utf8').includes(`"name": "${name}"`)) dir = dirname(dir);
  return Number((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version.split('.')[0]);
}

const pgIndex = process.argv.indexOf('--pg');
const url = pgIndex === -1 ? undefined : (process.argv[pgIndex + 1] ?? 'postgres://postgres@127.0.0.1:5432/test');

export function createBackend(): Backend {
  if (url === undefined) {
    const server = new InMemoryLockServer();
    let ended = false;
    const pool: Queryable = {
      query: async () => {
        if (ended) throw new Error('Cannot use a pool after calling end on the pool');
        return { rows: [{ n: 1 }] };
      },
      end: async () => void (ended = true),
    };
    const held = async () => server.openSessions;
    return { name: 'in-memory lock', pool, createLock: () => server.createLock({ owner: 'awilix-node' }), locksHeld: held, locksLeft: held };
  }
  const applicationName = `polecat-ex-awilix-${randomUUID().slice(0, 8)}`;
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: `${applicationName}-pool` });
  const locksHeld = async (): Promise<number> => {
    const probe = new pg.Client({ connectionString: url, application_name: `${applicationName}-probe` });
    await probe.connect();
    const { rows } = await probe
      .query(
        `select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and l.granted and a.application_name = $1`,
        [applicationName],
      )
      .finally(() => probe.end());
    return Number(rows[0]!.n);
  };
  return {
    name: `PostgreSQL (${new URL(url).host})`,
    pool,
    createLock: () => new PostgresAppLock(url, { applicationName }),
    locksHeld,
    locksLeft: async () => {
      for (let attempt = 0; ; attempt++) {
        const left = await locksHeld();
        if (left === 0 || attempt >= 40) return left;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}
