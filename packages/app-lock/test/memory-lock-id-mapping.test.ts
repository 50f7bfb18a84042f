import { describe, expect, it } from 'vitest';
import { InMemoryLockServer } from '../src/memory/in-memory-lock-server';

describe('InMemoryAppLock lock id mapping', () => {
  it('keeps the number 5 and the string "5" as two locks', async () => {
    const server = new InMemoryLockServer();
    const [a, b, c] = [server.createLock(), server.createLock(), server.createLock()];
    try {
      expect(await a.tryAttainLock(5)).toBe(true);
      expect(await b.tryAttainLock('5')).toBe(true);
      expect(await b.tryAttainLock(5)).toBe(false);
      expect(await a.tryAttainLock('5')).toBe(false);
      expect((await c.probeLocks!([5, '5', 6])).size).toBe(2);
    } finally {
      await Promise.all([a.dispose(), b.dispose(), c.dispose()]);
    }
  });
});
