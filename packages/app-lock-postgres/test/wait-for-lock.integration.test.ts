import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createPgAdmin, type PgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { PostgresAppLock } from '../src';

const tag = randomUUID().replace(/-/g, '').slice(0, 8);

/** Resolves once the backend of `applicationName` is waiting for an advisory lock (pg_locks: not granted). */
async function untilWaiting(admin: PgAdmin, applicationName: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const { rows } = await admin.query<{ n: string }>(
      `select count(*) as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
       where l.locktype = 'advisory' and not l.granted and a.application_name = $1`,
      [applicationName],
    );
    if (Number(rows[0]?.n) > 0) return;
    if (Date.now() > deadline) throw new Error(`${applicationName} never waited`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

await describePostgres('PostgresAppLock.waitForLock (pg_advisory_lock with a bounded lock_timeout)', (url) => {
  let admin: PgAdmin;
  const locks: PostgresAppLock[] = [];
  beforeAll(async () => {
    admin = await createPgAdmin(url);
  });
  afterAll(async () => {
    await admin.close();
  });
  afterEach(async () => {
    await Promise.all(locks.splice(0).map((lock) => lock.dispose()));
  });
  let serial = 0;
  const create = (role: string): PostgresAppLock => {
    const lock = new PostgresAppLock(url, { applicationName: `pc-wait-${tag}-${role}-${(serial += 1)}`, verifyIntervalMs: 0, releaseChannel: false });
    locks.push(lock);
    return lock;
  };
  const id = `polecat:test:wait:${tag}`;

  it('is granted when the holder releases; the grant is a normal held lock', async () => {
    const holder = create('holder');
    const waiter = create('waiter');
    expect(await holder.tryAttainLock(id)).toBe(true);
    const waiting = waiter.waitForLock(id, { timeoutMs: 60_000 });
    await untilWaiting(admin, waiter.applicationName);
    await holder.releaseLock(id);
    expect(await waiting).toBe(true);
    expect(await waiter.verifyLocks()).toEqual([]);
    expect(await holder.tryAttainLock(id)).toBe(false);
    await waiter.releaseLock(id);
    expect(await holder.tryAttainLock(id)).toBe(true);
  });

  it("is granted when the holder's session is killed, in ONE waiting round trip", async () => {
    const holder = create('holder');
    const waiter = create('waiter');
    expect(await holder.tryAttainLock(id)).toBe(true);
    await waiter.tryAttainLock(`${id}:warm-up`); // opens the connection
    const before = waiter.stats().roundTrips;
    const waiting = waiter.waitForLock(id, { timeoutMs: 60_000 });
    await untilWaiting(admin, waiter.applicationName);
    expect(await admin.terminateBackendsByApplicationName(holder.applicationName)).toBe(1);
    expect(await waiting).toBe(true);
    expect(waiter.stats().roundTrips - before).toBe(1);
  });

  it('resolves false when the wait times out, and the session keeps no lock_timeout', async () => {
    const holder = create('holder');
    const waiter = create('waiter');
    expect(await holder.tryAttainLock(id)).toBe(true);
    expect(await waiter.waitForLock(id, { timeoutMs: 50 })).toBe(false);
    expect(waiter.hasLock(id)).toBe(false);
    const pid = await admin.backendPidOf(waiter.applicationName);
    const { rows } = await admin.query<{ n: string }>(`select count(*) as n from pg_locks where pid = $1 and locktype = 'advisory'`, [pid]);
    expect(Number(rows[0]?.n)).toBe(0);
    // the same session goes on working, its lock_timeout was transaction-local
    expect(await waiter.tryAttainLock(`${id}:after`)).toBe(true);
    expect(waiter.stats().connects).toBe(1);
  });

  it('an abort cancels the wait (pg_cancel_backend): the same session stays usable and got nothing', async () => {
    const holder = create('holder');
    const waiter = create('waiter');
    expect(await holder.tryAttainLock(id)).toBe(true);
    const controller = new AbortController();
    const waiting = waiter.waitForLock(id, { timeoutMs: 60_000, signal: controller.signal });
    await untilWaiting(admin, waiter.applicationName);
    controller.abort(new Error('re-target'));
    await expect(waiting).rejects.toThrow('re-target');
    expect(waiter.stats().connects).toBe(1);
    expect(await waiter.tryAttainLock(`${id}:after-abort`)).toBe(true);
    expect(waiter.stats().connects).toBe(1); // cancelled, not reconnected
    await holder.releaseLock(id);
    expect(await waiter.tryAttainLock(id)).toBe(true); // the abandoned wait did not take it meanwhile... and it is free
  });

  it('dispose() ends a wait and leaves no session behind', async () => {
    const holder = create('holder');
    const waiter = create('waiter');
    expect(await holder.tryAttainLock(id)).toBe(true);
    const waiting = waiter.waitForLock(id, { timeoutMs: 60_000 });
    await untilWaiting(admin, waiter.applicationName);
    const outcome = waiting.catch((error: unknown) => error);
    await waiter.dispose();
    expect(await outcome).toMatchObject({ code: 'DISPOSED' });
    expect(await admin.waitForConnections(waiter.applicationName, 0)).toBe(0);
  });

  it('a waiting backend whose client process was SIGKILLed leaves at once (client_connection_check_interval), not when its 60 s wait ends', async () => {
    const holder = create('holder');
    expect(await holder.tryAttainLock(id)).toBe(true);
    const applicationName = `pc-wait-${tag}-killed-${(serial += 1)}`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./support/wait-then-hang.ts', import.meta.url)), url, applicationName, id],
      { stdio: 'ignore' },
    );
    try {
      await untilWaiting(admin, applicationName);
      child.kill('SIGKILL');
      // without the check the backend stays until its lock_timeout (60 s); with it, about a second
      expect(await admin.waitForConnections(applicationName, 0, 10_000)).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
