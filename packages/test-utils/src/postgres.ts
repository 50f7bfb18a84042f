import pg from 'pg';

/** Default connection string of the integration suites (trust auth on the machine's server). */
export const DEFAULT_POSTGRES_TEST_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The PostgreSQL the integration tests use: `POLECAT_TEST_PG`, default {@link DEFAULT_POSTGRES_TEST_URL}. */
export function postgresTestUrl(): string {
  const fromEnv = process.env.POLECAT_TEST_PG;
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : DEFAULT_POSTGRES_TEST_URL;
}

/** Outcome of {@link checkPostgres}. */
export type PostgresAvailability =
  { readonly reachable: true; readonly url: string } | { readonly reachable: false; readonly url: string; readonly cause: string };

/** Hides a URL password (`postgres://u:***@h/db`); test-utils must not depend on app-lock internals. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparseable connection string]';
  }
}

const cache = new Map<string, Promise<PostgresAvailability>>();

/**
 * Tries to connect and run `select 1` (timeout `timeoutMs`, default 3 000 ms). Memoised per URL
 * for the process, so many test files can ask cheaply.
 */
export function checkPostgres(url: string = postgresTestUrl(), timeoutMs = 3_000): Promise<PostgresAvailability> {
  let pending = cache.get(url);
  if (pending === undefined) {
    pending = probe(url, timeoutMs);
    cache.set(url, pending);
  }
  return pending;
}

async function probe(url: string, timeoutMs: number): Promise<PostgresAvailability> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, application_name: 'polecat-test-probe' });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return { reachable: true, url };
  } catch (error) {
    return { reachable: false, url, cause: error instanceof Error ? error.message : String(error) };
  } finally {
    await client.end().catch(() => {});
  }
}
