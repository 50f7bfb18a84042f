import { randomUUID } from 'node:crypto';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { createPgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { afterEach, expect, it } from 'vitest';
import { spawnFixture, type Child } from './child-process';
import { lockIdsOf, randomLockBase } from './helpers';

let child: Child | undefined;
afterEach(() => {
  if (child !== undefined && child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  child = undefined;
});

// Nest's enableShutdownHooks re-raises the signal once the application is closed, so the child
// ends by SIGTERM (code null), not with exit code 0; see nestjs-sigterm.test.ts for useProcessExit.
await describePostgres('PolecatModule + enableShutdownHooks in a child process (PostgreSQL lock)', (url) => {
  it('owns its shards; SIGTERM drains it, its session is gone and another owner takes every id', async () => {
    const base = randomLockBase();
    const applicationName = `polecat-nest-child-${randomUUID().slice(0, 8)}`;
    const names = ['Trip', 'Day', 'Week'];
    const ids = lockIdsOf(names, base);
    const admin = await createPgAdmin(url);
    const other = new PostgresAppLock(url, { applicationName: `${applicationName}-other` });
    try {
      child = spawnFixture('nest-child', {
        POLECAT_CHILD_BACKEND: 'postgres',
        POLECAT_CHILD_PG_URL: url,
        POLECAT_CHILD_APP_NAME: applicationName,
        POLECAT_CHILD_LOCK_BASE: String(base),
      });
      await child.waitFor('OWNED');
      expect(await admin.countConnections(applicationName)).toBe(1);
      expect((await other.tryAttainLocks(ids)).size).toBe(0);
      child.process.kill('SIGTERM');
      expect(await child.exited).toEqual({ code: null, signal: 'SIGTERM' });
      const out = child.stdout();
      expect(out).toContain('LOG polecat coordinators drained {"stores":["default"],"signal":"SIGTERM"');
      expect(out.match(/AGENT STOPPED \w+/g)?.length).toBe(names.length);
      expect(out.indexOf('polecat coordinators drained')).toBeLessThan(out.indexOf('SHUTDOWN SIGTERM'));
      // the drain itself closed the session (checked inside the child, before it died), not the process exit
      expect(out).toContain('PG SESSIONS 0');
      expect(await admin.countConnections(applicationName)).toBe(0);
      expect([...(await other.tryAttainLocks(ids))].sort()).toEqual([...ids].sort());
    } finally {
      await other.dispose();
      await admin.close();
    }
  });
});
