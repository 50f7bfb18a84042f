import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { ProjectionCoordinator, createFunctionDaemonFactory } from '@polecat/coordinator';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { createPgAdmin, type PgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { FencingEpochSource, PostgresEpochStore, StaleEpochError, assertEpochCurrent } from '../src';

await describePostgres('PostgresEpochStore (real PostgreSQL)', (url) => {
  const run = randomUUID().slice(0, 8);
  const table = `fencing_test_${run}`;
  const checkpoints = `fencing_cp_${run}`;
  const app = `polecat-fencing-${run}`;
  let admin: PgAdmin;
  let pool: pg.Pool;
  let store: PostgresEpochStore;

  beforeAll(async () => {
    admin = await createPgAdmin(url);
    pool = new pg.Pool({ connectionString: url, application_name: app, max: 6 });
    store = new PostgresEpochStore(pool, { table });
    await admin.query(`create table ${checkpoints} (shard text primary key, position bigint not null, epoch bigint not null)`);
  });
  afterAll(async () => {
    await admin.query(`drop table if exists ${checkpoints}, ${table}`);
    await pool.end();
    expect(await admin.waitForConnections(app, 0)).toBe(0);
    await admin.close();
  });

  /** The fenced checkpoint write of the docs: BEGIN; assert; upsert; COMMIT (rollback on refusal). */
  async function writeCheckpoint(client: pg.ClientBase, key: string, epoch: bigint, position: number): Promise<void> {
    await client.query('BEGIN');
    try {
      await store.assertCurrent(client, key, epoch);
      await client.query(
        `insert into ${checkpoints} (shard, position, epoch) values ($1, $2, $3) on conflict (shard) do update set position = excluded.position, epoch = excluded.epoch`,
        [key, position, epoch.toString()],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  }

  it('creates its table on demand and hands out strictly growing epochs, also under concurrency', async () => {
    const key = `k-${randomUUID()}`;
    expect(await store.currentEpoch(key)).toBeUndefined();
    expect(await store.nextEpoch(key)).toBe(1n);
    expect(await store.nextEpoch(key)).toBe(2n);
    // two stores racing to create another table never fail
    const other = `fencing_race_${run}`;
    const racers = [new PostgresEpochStore(pool, { table: other }), new PostgresEpochStore(pool, { table: other })];
    await Promise.all(racers.map((r) => r.nextEpoch('x')));
    await admin.query(`drop table ${other}`);
    const epochs = await Promise.all(Array.from({ length: 20 }, () => store.nextEpoch(key)));
    expect(new Set(epochs.map(String)).size).toBe(20);
    expect(epochs.reduce((a, b) => (a > b ? a : b))).toBe(22n);
  });

  it('grows across grants and owners (two PostgresAppLock owners taking turns, one losing its session)', async () => {
    const key = `lock-${randomUUID()}`;
    const lockId = 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
    const a = new PostgresAppLock(url, { applicationName: `${app}-a` });
    const b = new PostgresAppLock(url, { applicationName: `${app}-b` });
    try {
      const seen: bigint[] = [];
      expect(await a.tryAttainLock(lockId)).toBe(true);
      seen.push(await store.nextEpoch(key));
      await a.releaseLock(lockId);
      expect(await b.tryAttainLock(lockId)).toBe(true);
      seen.push(await store.nextEpoch(key));
      await admin.terminateBackendsByApplicationName(`${app}-b`);
      // pg_terminate_backend returns before the backend has exited and freed its locks
      await vi.waitFor(async () => expect(await a.tryAttainLock(lockId)).toBe(true), { timeout: 5_000, interval: 25 });
      seen.push(await store.nextEpoch(key));
      expect(seen).toEqual([1n, 2n, 3n]);
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
    }
  });

  it("refuses a stale owner's late write in the database: A epoch 1 loses its lock, B epoch 2 writes, A's write throws and leaves nothing", async () => {
    const key = `shard-${randomUUID()}`;
    const lockId = 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
    const a = new PostgresAppLock(url, { applicationName: `${app}-sa` });
    const b = new PostgresAppLock(url, { applicationName: `${app}-sb` });
    const clientA = await pool.connect();
    const clientB = await pool.connect();
    try {
      expect(await a.tryAttainLock(lockId)).toBe(true);
      const epochA = await store.nextEpoch(key);
      await writeCheckpoint(clientA, key, epochA, 10);
      await admin.terminateBackendsByApplicationName(`${app}-sa`); // A's lock session dies; A does not know yet
      // pg_terminate_backend returns before the backend has exited and freed its locks
      await vi.waitFor(async () => expect(await b.tryAttainLock(lockId)).toBe(true), { timeout: 5_000, interval: 25 });
      const epochB = await store.nextEpoch(key);
      expect(epochB).toBeGreaterThan(epochA);
      await writeCheckpoint(clientB, key, epochB, 20);
      const refused = await writeCheckpoint(clientA, key, epochA, 11).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(StaleEpochError.isStale(refused)).toBe(true);
      expect(refused).toMatchObject({ epoch: epochA, currentEpoch: epochB });
      const rows = await admin.query<{ position: string; epoch: string }>(`select position, epoch from ${checkpoints} where shard = $1`, [key]);
      expect(rows.rows).toEqual([{ position: '20', epoch: String(epochB) }]);
      // the free function with the same table gives the same answer
      await clientA.query('BEGIN');
      await expect(assertEpochCurrent(clientA, key, epochA, { table })).rejects.toBeInstanceOf(StaleEpochError);
      await clientA.query('ROLLBACK');
    } finally {
      clientA.release();
      clientB.release();
      await Promise.all([a.dispose(), b.dispose()]);
    }
  });

  it("holds off a newer grant's bump while an older owner's fenced transaction is open (FOR SHARE): no interleave", async () => {
    const key = `share-${randomUUID()}`;
    const epochA = await store.nextEpoch(key);
    const clientA = await pool.connect();
    const bumper = new pg.Client({ connectionString: url, application_name: `${app}-bump` });
    await bumper.connect();
    const order: string[] = [];
    try {
      await clientA.query('BEGIN');
      await store.assertCurrent(clientA, key, epochA);
      const bump = new PostgresEpochStore(bumper, { table, createTable: false }).nextEpoch(key).then((epoch) => {
        order.push('bumped');
        return epoch;
      });
      // wait until the bump really waits on A's row lock (observed on the server, not by timing)
      for (let i = 0; i < 200; i += 1) {
        const waiting = await admin.query<{ n: string }>(
          "select count(*) as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'",
          [`${app}-bump`],
        );
        if (waiting.rows[0]!.n === '1') break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const waiting = await admin.query<{ n: string }>("select count(*) as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'", [
        `${app}-bump`,
      ]);
      expect(waiting.rows[0]!.n).toBe('1');
      await clientA.query(`insert into ${checkpoints} (shard, position, epoch) values ($1, 1, $2)`, [key, epochA.toString()]);
      order.push('A wrote');
      await clientA.query('COMMIT');
      order.push('A committed');
      expect(await bump).toBe(epochA + 1n);
      expect(order).toEqual(['A wrote', 'A committed', 'bumped']);
      // after the bump, A's next fenced transaction is refused
      await clientA.query('BEGIN');
      await expect(store.assertCurrent(clientA, key, epochA)).rejects.toBeInstanceOf(StaleEpochError);
      await clientA.query('ROLLBACK');
    } finally {
      clientA.release();
      await bumper.end();
    }
  });

  it('hands every grant of a coordinator a growing epoch (FencingEpochSource as the coordinator epochs option)', async () => {
    const daemonLockId = 100_000 + Math.floor(Math.random() * 1_000_000_000);
    const epochsSeen = new Map<string, bigint[]>();
    const fencing = new FencingEpochSource({ store });
    const lockApp = `${app}-coord`;
    const coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor: new SingleTenantProjectionDistributor({
        databases: [{ id: `db${run}`, schema: 'public' }],
        shards: [shardName('FenceA'), shardName('FenceB')],
        daemonLockId,
        createLock: () => new PostgresAppLock(url, { applicationName: lockApp }),
      }),
      daemonFor: createFunctionDaemonFactory(() => async ({ signal, shard, database, epoch }) => {
        const key = fencing.keyFor(database, shard);
        expect(key).toBeDefined();
        expect(await store.currentEpoch(key!)).toBe(epoch);
        epochsSeen.set(shard.identity, [...(epochsSeen.get(shard.identity) ?? []), epoch!]);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      }),
      settings: { leadershipPollingTimeMs: 100, daemonLockId },
      epochs: fencing,
    });
    try {
      await coordinator.start();
      await coordinator.whenOwned(2, { timeoutMs: 10_000 });
      await admin.terminateBackendsByApplicationName(lockApp);
      for (let i = 0; i < 300 && [...epochsSeen.values()].some((list) => list.length < 2); i += 1) await new Promise((r) => setTimeout(r, 20));
      for (const list of epochsSeen.values()) {
        expect(list.length).toBeGreaterThanOrEqual(2);
        for (let i = 1; i < list.length; i += 1) expect(list[i]!).toBeGreaterThan(list[i - 1]!);
      }
    } finally {
      await coordinator.stop();
    }
    expect(await admin.waitForConnections(lockApp, 0)).toBe(0);
  });
});
