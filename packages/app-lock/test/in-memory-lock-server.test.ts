import { describe, expect, it } from 'vitest';
import { AppLockError } from '../src/errors';
import { InMemoryAppLock } from '../src/memory/in-memory-app-lock';
import { InMemoryLockServer } from '../src/memory/in-memory-lock-server';

describe('InMemoryLockServer and its owners', () => {
  it('new InMemoryAppLock(server) is an owner on that server, like server.createLock()', async () => {
    const server = new InMemoryLockServer();
    const built = new InMemoryAppLock(server, { owner: 'built' });
    const created = server.createLock();
    expect(created.owner).toBe('owner-1');
    expect(await built.tryAttainLock(7)).toBe(true);
    expect(await created.tryAttainLock(7)).toBe(false);
    expect(server.holderOf(7)).toBe('built');
    expect(server.openSessions).toBe(2);
    await Promise.all([built.dispose(), created.dispose()]);
    expect(server.openSessions).toBe(0);
  });

  it('refuses a server that is not an InMemoryLockServer with INVALID_CONFIGURATION', () => {
    const fake = {} as InMemoryLockServer;
    expect(() => new InMemoryAppLock(fake)).toThrow(AppLockError);
    try {
      new InMemoryAppLock(fake);
    } catch (error) {
      expect(AppLockError.hasCode(error, 'INVALID_CONFIGURATION')).toBe(true);
    }
  });

  it('publishes no internals: the server exposes only its documented members', () => {
    const server = new InMemoryLockServer();
    const members = Object.getOwnPropertyNames(InMemoryLockServer.prototype)
      .filter((name) => name !== 'constructor')
      .sort();
    expect(members).toEqual(['createLock', 'holderOf', 'openSessions', 'setAvailable', 'terminateSession', 'waitersFor', 'waitingRequests']);
    expect(server.waitingRequests).toBe(0);
  });
});
