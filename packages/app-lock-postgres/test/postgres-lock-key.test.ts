import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppLockError } from '@polecat/app-lock';
import { PostgresAppLock, postgresLockKey } from '../src';

describe('postgresLockKey', () => {
  it('uses 32-bit numbers as the bigint key (compatible with pg_try_advisory_lock(int))', () => {
    expect(postgresLockKey(4444)).toBe('4444');
    expect(postgresLockKey(-5)).toBe('-5');
    expect(postgresLockKey(2_147_483_647)).toBe('2147483647');
    expect(postgresLockKey(-2_147_483_648)).toBe('-2147483648');
    expect(postgresLockKey(0)).toBe('0');
  });

  it('hashes names to the first 8 bytes of SHA-256 (UTF-8), signed big-endian', () => {
    const expected = createHash('sha256').update('public:Trip:All', 'utf8').digest().readBigInt64BE(0).toString();
    expect(postgresLockKey('public:Trip:All')).toBe(expected);
    expect(postgresLockKey('public:Trip:All')).toBe(postgresLockKey('public:Trip:All'));
    expect(postgresLockKey('abc')).toBe('-5010229573455851542'); // sha256('abc') starts ba7816bf8f01cfea
  });

  it('keeps names out of the 32-bit range so they never meet a number id', () => {
    // a name whose raw hash lands in the int32 range takes ~2^32 tries to find: check the invariant on many
    for (let i = 0; i < 5_000; i += 1) {
      const key = BigInt(postgresLockKey(`name-${i}`));
      expect(key < -2_147_483_648n || key > 2_147_483_647n).toBe(true);
    }
    expect(postgresLockKey('5')).not.toBe(postgresLockKey(5));
  });

  it('gives long names that share a 255-character prefix different keys', () => {
    const prefix = 'p'.repeat(255);
    expect(postgresLockKey(`${prefix}a`)).not.toBe(postgresLockKey(`${prefix}b`));
    expect(postgresLockKey(prefix)).not.toBe(postgresLockKey(`${prefix}a`));
    expect(postgresLockKey('x'.repeat(4000))).toMatch(/^-?\d+$/);
  });

  it.each([Number.NaN, 1.5, 2 ** 31, -(2 ** 31) - 1, '', null, undefined])('refuses %s with INVALID_LOCK_ID', (bad) => {
    expect(() => postgresLockKey(bad as never)).toThrowError(expect.objectContaining({ code: 'INVALID_LOCK_ID' }));
  });
});

describe('PostgresAppLock construction (no database)', () => {
  it('refuses empty connection settings and bad timeouts with INVALID_CONFIGURATION', () => {
    for (const make of [
      () => new PostgresAppLock(''),
      () => new PostgresAppLock(null as never),
      () => new PostgresAppLock('postgres://x@h/db', { connectTimeoutMs: -1 }),
      () => new PostgresAppLock('postgres://x@h/db', { keepAliveInitialDelayMs: Number.NaN }),
      () => new PostgresAppLock('postgres://x@h/db', { requestTimeoutMs: 0 }),
      () => new PostgresAppLock('postgres://x@h/db', { applicationName: 'x'.repeat(64) }),
      () => new PostgresAppLock('postgres://x@h/db', { applicationName: 'lock-ü' }),
    ]) {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(AppLockError.hasCode(error, 'INVALID_CONFIGURATION')).toBe(true);
    }
  });

  it('redacts the password in target, for strings and config objects', () => {
    expect(new PostgresAppLock('postgres://app:hunter22@db:5432/orders').target).toBe('postgres://app:***@db:5432/orders');
    expect(new PostgresAppLock({ host: 'db', user: 'app', password: 'hunter22', database: 'orders' }).target).toBe('postgres://app@db:5432/orders');
    expect(new PostgresAppLock({ connectionString: 'postgres://app:hunter22@db/orders' }).target).not.toContain('hunter22');
  });

  it('defaults the application_name and does not connect before the first attempt', () => {
    const lock = new PostgresAppLock('postgres://app@127.0.0.1:1/x');
    expect(lock.applicationName).toBe('polecat-lock');
    expect(lock.backend).toBe('postgres');
    expect(lock.stats()).toEqual({ roundTrips: 0, connects: 0, held: 0, lost: 0 });
  });
});
