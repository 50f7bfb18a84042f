import { AppLockError } from '@polecat/app-lock';
import { describe, expect, it } from 'vitest';
import { PostgresAppLock } from '../src/postgres-app-lock';

const URL = 'postgres://nobody@127.0.0.1:1/none';

describe('PostgresAppLock options (no database)', () => {
  it.each([
    [{ idleSeconds: Number.NaN }, 'serverKeepAlive.idleSeconds'],
    [{ intervalSeconds: -1 }, 'serverKeepAlive.intervalSeconds'],
    [{ count: Number.POSITIVE_INFINITY }, 'serverKeepAlive.count'],
  ])('rejects serverKeepAlive %o with INVALID_CONFIGURATION', (serverKeepAlive, name) => {
    let caught: unknown;
    try {
      new PostgresAppLock(URL, { serverKeepAlive });
    } catch (error) {
      caught = error;
    }
    expect(AppLockError.is(caught) && caught.code === 'INVALID_CONFIGURATION').toBe(true);
    expect((caught as Error).message).toContain(name);
  });

  it('accepts partial and disabled server keepalive settings and connects to nothing until used', async () => {
    for (const serverKeepAlive of [{ idleSeconds: 30 }, false as const, undefined]) {
      const lock = new PostgresAppLock(URL, serverKeepAlive === undefined ? {} : { serverKeepAlive });
      expect(lock.heldLocks()).toEqual([]);
      await lock.dispose();
    }
  });

  it.each([[''], ['   ']])('rejects an empty connection string %j', (connection) => {
    expect(() => new PostgresAppLock(connection)).toThrow(/connection string/);
  });
});
