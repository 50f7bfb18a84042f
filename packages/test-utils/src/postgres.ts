import pg from 'pg';
import { describe, it } from 'vitest';

/** Default connection string of the integration suites (trust auth on the machine's server). */
export const DEFAULT_POSTGRES_TEST_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The PostgreSQL the integration tests use: `POLECAT_TEST_PG`, default {@link DEFAULT_POSTGRES_TEST_URL}. */
export function postgresTestUrl(): string {
  const fromEnv = process.env.POLECAT_TEST_PG;
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : DEFAULT_POSTGRES_TEST_URL;
}

/** Outcome of {@link checkPostgres}. */
export type PostgresAvailability =
  | { readonly reachable: true; readonly url: string }
  | { readonly reachable: false; readonly url: string; readonly cause: string };

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

/**
 * Declares a PostgreSQL-backed suite. `await` it at the top level of the test file:
 *
 * - reachable: a normal `describe(name, () => fn(url))`;
 * - unreachable and `CI` is truthy: a suite whose single test FAILS with
 *   "PostgreSQL is required in CI but unreachable at <redacted url>: <cause>";
 * - unreachable outside CI: `describe.skip` and one console line saying why.
 *
 * @example await describePostgres('PostgresAppLock', (url) => { it('...', async () => { ... }); });
 */
export async function describePostgres(name: string, fn: (url: string) => void): Promise<void> {
  const availability = await checkPostgres();
  if (availability.reachable) {
    describe(name, () => fn(availability.url));
    return;
  }
  const message = `PostgreSQL is required in CI but unreachable at ${redactUrl(availability.url)}: ${availability.cause}`;
  if (isCi()) {
    describe(name, () => {
      it('needs a reachable PostgreSQL', () => {
        throw new Error(message);
      });
    });
    return;
  }
  console.log(
    `[skip] ${name}: PostgreSQL unreachable at ${redactUrl(availability.url)} (${availability.cause}); set POLECAT_TEST_PG or start PostgreSQL (CI=true makes this a failure).`,
  );
  describe.skip(name, () => fn(availability.url));
}

function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}
