import { randomUUID } from 'node:crypto';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import type { AgentFunction, ProjectionCoordinator } from '@polecat/coordinator';
import { createPgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { asFunction, createContainer } from 'awilix';
import pg from 'pg';
import { expect, it } from 'vitest';
import { projectionCoordinator } from '../src/index';
import { registerProjectionCoordinators } from '../src/awilix/index';
import { FAST, randomLockBase } from './helpers';

await describePostgres('Awilix container.dispose() with a real pg pool (PostgreSQL lock)', (url) => {
  it('drains the coordinator (its agent commits its last batch on the pool) before the pool ends; no lock session left', async () => {
    const applicationName = `polecat-awilix-${randomUUID().slice(0, 8)}`;
    const admin = await createPgAdmin(url);
    const container = createContainer();
    container.register(
      'pool',
      asFunction(() => new pg.Pool({ connectionString: url, max: 2, application_name: `${applicationName}-pool` }))
        .singleton()
        .disposer((pool) => pool.end()),
    );
    const pool = container.resolve<pg.Pool>('pool'); // resolved first: Awilix alone would end it first
    const batches: string[] = [];
    const agent: AgentFunction = async ({ signal }) => {
      await pool.query('select 1');
      if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      try {
        const { rows } = await pool.query<{ n: number }>('select 2 as n'); // the batch in flight at shutdown
        batches.push(`last batch ${rows[0]!.n}`);
      } catch (error) {
        batches.push(`last batch failed: ${(error as Error).message}`);
      }
    };
    try {
      const handle = registerProjectionCoordinators(
        container,
        projectionCoordinator('HotCold', {
          shards: { Trip: agent },
          createLock: () => new PostgresAppLock(url, { applicationName }),
          settings: { ...FAST, daemonLockId: randomLockBase() },
          random: () => 0,
        }),
      );
      await handle.start();
      await container.resolve<ProjectionCoordinator>('projectionCoordinator').whenOwned(1, { timeoutMs: 10_000 });
      expect(await admin.countConnections(applicationName)).toBe(1);
      await container.dispose(); // rejects if the last batch hit an ended pool (DRAIN_FAILED) or anything failed
      expect(batches).toEqual(['last batch 2']);
      expect(pool.ended).toBe(true);
      expect(await admin.waitForConnections(applicationName, 0)).toBe(0);
    } finally {
      await admin.close();
    }
  });
});
