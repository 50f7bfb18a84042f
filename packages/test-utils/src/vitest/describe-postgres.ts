import { describe, it } from 'vitest';
import { checkPostgres, redactUrl } from '../postgres';

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
