import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import type { ProjectionCoordinator } from '@polecat/coordinator';
import { Test } from '@nestjs/testing';
import { createPgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { expect, it } from 'vitest';
import { projectionCoordinator } from '../src/index';
import { PolecatModule, getCoordinatorToken } from '../src/nestjs/index';
import { FAST, lockIdsOf, randomLockBase, trackedAgents } from './helpers';

await describePostgres('PolecatModule on PostgreSQL', (url) => {
  it('a Nest application owns its shards through PostgreSQL locks and releases them on close', async () => {
    const base = randomLockBase();
    const applicationName = `polecat-nest-${randomUUID().slice(0, 8)}`;
    const names = ['Trip', 'Day'];
    const ids = lockIdsOf(names, base, 'public');
    const { agents, running } = trackedAgents(names);
    const admin = await createPgAdmin(url);
    const other = new PostgresAppLock(url, { applicationName: `${applicationName}-other` });
    const moduleRef = await Test.createTestingModule({
      imports: [
        PolecatModule.forRoot({
          coordinators: projectionCoordinator('HotCold', {
            shards: agents,
            databases: [{ id: 'main', schema: 'public' }],
            createLock: () => new PostgresAppLock(url, { applicationName }),
            settings: { ...FAST, daemonLockId: base },
            random: () => 0,
          }),
        }),
      ],
    }).compile();
    try {
      await moduleRef.init();
      await moduleRef.get<ProjectionCoordinator>(getCoordinatorToken()).whenOwned(2, { timeoutMs: 10_000 });
      expect(await admin.countConnections(applicationName)).toBe(1);
      expect((await other.tryAttainLocks(ids)).size).toBe(0);
      await moduleRef.close();
      expect(running.size).toBe(0);
      expect(await admin.waitForConnections(applicationName, 0)).toBe(0);
      expect([...(await other.tryAttainLocks(ids))].sort()).toEqual([...ids].sort());
    } finally {
      await moduleRef.close();
      await other.dispose();
      await admin.close();
    }
  });
});
