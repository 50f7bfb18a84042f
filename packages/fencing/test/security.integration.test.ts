import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AppLockError } from '@polecat/app-lock';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { ProjectionCoordinator, createFunctionDaemonFactory } from '@polecat/coordinator';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { createPgAdmin, recordingLogger, startFakePostgresAuthServer, type PgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { FencingEpochSource, PostgresEpochStore } from '../src';

const INJECTIONS = ["'; DROP TABLE sentinel; --", ']', '"', "x') OR ('1'='1", 'é🔒\u202e', '$1', '\\', 'a]; DROP TABLE sentinel; --'];
const PASSWORD = 'Sup3r-s3cret-pw';

function errorChain(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, i = 0; e !== undefined && e !== null && i < 10; e = (e as { cause?: unknown }).cause, i += 1) {
    parts.push(
      e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e),
      JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ?? '',
    );
  }
  return parts.join('\n');
}

const waitUntil = async (condition: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

await describePostgres('security', (url) => {
  const run = randomUUID().slice(0, 8);
  const prefix = `polecat-sec-${run}`;
  const sentinel = `sentinel_${run}`;
  let admin: PgAdmin;

  beforeAll(async () => {
    admin = await createPgAdmin(url);
    await admin.query(`create table ${sentinel} (id int)`);
  });
  afterAll(async () => {
    await admin.query(`drop table if exists ${sentinel}`);
    expect(await admin.countConnectionsWithPrefix(prefix)).toBe(0);
    await admin.close();
  });

  it('security: injection strings through lock ids, shard names, database ids and fencing keys are plain data', async () => {
    const pool = new pg.Pool({ connectionString: url, application_name: `${prefix}-w` });
    const store = new PostgresEpochStore(pool, { table: `sec_epochs_${run}` });
    const lock = new PostgresAppLock(url, { applicationName: `${prefix}-l` });
    const coordinatorLock = `${prefix}-c`;
    try {
      // lock ids
      const ids = INJECTIONS.map((s) => `${run}${s}`);
      expect((await lock.tryAttainLocks(ids)).size).toBe(ids.length);
      // fencing keys: distinct rows, each epoch 1 then 2
      for (const key of ids) expect(await store.nextEpoch(key)).toBe(1n);
      for (const key of ids) expect(await store.nextEpoch(key)).toBe(2n);
      const rows = await admin.query<{ lock_key: string }>(`select lock_key from sec_epochs_${run} order by lock_key`);
      expect(rows.rows.map((r) => r.lock_key).sort()).toEqual([...ids].sort());
      // shard names and database ids through a fenced coordinator
      const shardNames = INJECTIONS.map((s, i) => shardName(`S${i}${s.replace(/:/g, '')}`));
      const databaseId = `db${run}'; DROP TABLE ${sentinel}; --`;
      const seen = new Set<string>();
      const fencing = new FencingEpochSource({ store });
      const daemonLockId = 100_000 + Math.floor(Math.random() * 1e9);
      const coordinator = new ProjectionCoordinator({
        mode: 'HotCold',
        distributor: new SingleTenantProjectionDistributor({
          databases: [{ id: databaseId, schema: 'public' }],
          shards: shardNames,
          daemonLockId,
          createLock: () => new PostgresAppLock(url, { applicationName: coordinatorLock }),
        }),
        daemonFor: createFunctionDaemonFactory(() => async ({ signal, shard, database, epoch }) => {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            await store.assertCurrent(client, fencing.keyFor(database, shard)!, epoch!);
            await client.query('COMMIT');
            seen.add(shard.identity);
          } finally {
            client.release();
          }
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        }),
        settings: { leadershipPollingTimeMs: 100, daemonLockId },
        epochs: fencing,
      });
      await coordinator.start();
      await waitUntil(() => seen.size === shardNames.length);
      await coordinator.stop();
      // the sentinel table still exists
      expect((await admin.query(`select to_regclass($1) as t`, [sentinel])).rows[0]).toEqual({ t: sentinel });
    } finally {
      await lock.dispose();
      await admin.query(`drop table if exists sec_epochs_${run}`);
      await pool.end();
    }
  });

  it('security: a NOSUPERUSER role with CONNECT + USAGE/CREATE on one schema runs the lock, the fencing store and a coordinator', async () => {
    const role = `polecat_app_${run}`;
    const schema = `polecat_sec_${run}`;
    const database = new URL(url).pathname.slice(1) || 'postgres';
    await admin.query(`create role ${role} nosuperuser nocreatedb nocreaterole noinherit login`);
    await admin.query(`create schema ${schema}`);
    await admin.query(`grant connect on database "${database}" to ${role}`);
    await admin.query(`grant usage, create on schema ${schema} to ${role}`);
    const roleUrl = new URL(url);
    roleUrl.username = role;
    const pool = new pg.Pool({ connectionString: roleUrl.toString(), application_name: `${prefix}-role` });
    try {
      const who = await pool.query<{ rolsuper: boolean }>('select rolsuper from pg_roles where rolname = current_user');
      expect(who.rows[0]!.rolsuper).toBe(false);
      const store = new PostgresEpochStore(pool, { schema });
      const fencing = new FencingEpochSource({ store });
      const daemonLockId = 100_000 + Math.floor(Math.random() * 1e9);
      const epochs: bigint[] = [];
      const coordinator = new ProjectionCoordinator({
        mode: 'HotCold',
        distributor: new SingleTenantProjectionDistributor({
          databases: [{ id: 'main', schema: 'public' }],
          shards: [shardName('Least')],
          daemonLockId,
          createLock: () => new PostgresAppLock(roleUrl.toString(), { applicationName: `${prefix}-rolelock` }),
        }),
        daemonFor: createFunctionDaemonFactory(() => async ({ signal, shard, database, epoch }) => {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            await store.assertCurrent(client, fencing.keyFor(database, shard)!, epoch!);
            await client.query('COMMIT');
            epochs.push(epoch!);
          } finally {
            client.release();
          }
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        }),
        settings: { leadershipPollingTimeMs: 100, daemonLockId },
        epochs: fencing,
      });
      await coordinator.start();
      await waitUntil(() => epochs.length === 1);
      await coordinator.stop();
      expect(epochs).toEqual([1n]);
    } finally {
      await pool.end();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.query(`revoke all on database "${database}" from ${role}`);
      await admin.query(`drop role ${role}`);
    }
  });

  it('security: connection strings are redacted in errors, causes and logs (wrong password against a password-checking server)', async () => {
    const fake = await startFakePostgresAuthServer();
    const secretUrl = `postgres://app:${PASSWORD}@127.0.0.1:${fake.port}/app`;
    const logger = recordingLogger();
    const lock = new PostgresAppLock(secretUrl, { applicationName: `${prefix}-pw`, logger });
    const daemonLockId = 100_000 + Math.floor(Math.random() * 1e9);
    const coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor: new SingleTenantProjectionDistributor({
        databases: [{ id: 'main', schema: 'public' }],
        shards: [shardName('Pw')],
        daemonLockId,
        createLock: () => new PostgresAppLock(secretUrl, { applicationName: `${prefix}-pw2`, logger }),
        logger,
      }),
      daemonFor: createFunctionDaemonFactory(() => async () => {}),
      // startCheckMs 0: start resolves and the refused login is retried and logged, cycle after cycle
      settings: { leadershipPollingTimeMs: 50, daemonLockId, startCheckMs: 0 },
      logger,
    });
    try {
      const error = await lock.tryAttainLock(1).catch((e: unknown) => e);
      expect(AppLockError.hasCode(error, 'CONNECTION_FAILED')).toBe(true);
      expect(fake.passwordsReceived).toContain(PASSWORD); // the client really sent it...
      expect(errorChain(error)).not.toContain(PASSWORD); // ...and nothing repeats it
      await coordinator.start();
      await waitUntil(() => coordinator.status().cycles >= 3);
      const lastError = coordinator.status().lastError;
      expect(logger.text().length).toBeGreaterThan(0);
      expect(logger.text()).not.toContain(PASSWORD);
      expect(errorChain(lastError)).not.toContain(PASSWORD);
    } finally {
      await coordinator.stop();
      await lock.dispose();
      await fake.close();
    }
  });
});
