import { randomUUID } from 'node:crypto';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { createPgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { afterEach, expect, it } from 'vitest';
import { spawnFixture, type Child } from './child-process';
import { lockIdsOf, randomLockBase } from './helpers';

let child: Child | undefined;
afterEach(() => {
  if (child !== undefined && child.process.exitCode === null) child.process.kill('SIGKILL');
  child = undefined;
});

await describePostgres('runHost in a child process (PostgreSQL lock)', (url) => {
  it('owns its shards, SIGTERM exits 0, its session is gone and another owner takes every id', async () => {
    const base = randomLockBase();
    const applicationName = `polecat-host-child-${randomUUID().slice(0, 8)}`;
    const ids = lockIdsOf(['Trip', 'Day', 'Week'], base);
    const admin = await createPgAdmin(url);
    const other = new PostgresAppLock(url, { applicationName: `${applicationName}-other` });
    try {
      child = spawnFixture('host-child', {
        POLECAT_CHILD_BACKEND: 'postgres',
        POLECAT_CHILD_PG_URL: url,
        POLECAT_CHILD_APP_NAME: applicationName,
        POLECAT_CHILD_LOCK_BASE: String(base),
      });
      await child.waitFor('OWNED');
      expect(await admin.countConnections(applicationName)).toBe(1);
      expect((await other.tryAttainLocks(ids)).size).toBe(0);
      child.process.kill('SIGTERM');
      const { code } = await child.exited;
      expect(code).toBe(0);
      expect(await admin.waitForConnections(applicationName, 0)).toBe(0);
      expect([...(await other.tryAttainLocks(ids))].sort()).toEqual([...ids].sort());
    } finally {
      await other.dispose();
      await admin.close();
    }
  });
});
