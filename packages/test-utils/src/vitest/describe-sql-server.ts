import { afterAll, describe, it } from 'vitest';
import { sqlServerTestTarget } from '../sql-server';

/**
 * Declares a SQL Server-backed suite. `await` it at the top level of the test file:
 * available → `describe(name, () => fn(connectionString))` and the container (if any) stops after it;
 * skipped → one console line saying why and a `describe.skip`; failed (a runtime exists but SQL Server
 * did not start) → a suite whose single test fails with the cause.
 */
export async function describeSqlServer(name: string, fn: (connectionString: string) => void): Promise<void> {
  const target = await sqlServerTestTarget();
  if (target.kind === 'available') {
    describe(name, () => {
      fn(target.connectionString);
    });
    // Registered at file level, so it runs after every suite of the file (the container is per file).
    afterAll(() => target.stop(), 60_000);
    return;
  }
  if (target.kind === 'failed') {
    describe(name, () => {
      it('needs the SQL Server container testcontainers was asked to start', () => {
        throw new Error(target.reason);
      });
    });
    return;
  }
  console.log(target.reason);
  describe.skip(name, () => {
    it('runs against SQL Server', () => {});
  });
}
