import { describe, expect, it } from 'vitest';
import { bigintArray, listedToTrue, missingToHeld } from '../src/internal/postgres-session';
import { assertReleaseChannel } from '../src/internal/release-notices';
import { guardedListenSql } from '../src/internal/lock-sql';
import { PostgresAppLock } from '../src';

describe('small answers: verification lists only missing keys, acquisition only granted ones', () => {
  it('maps missing positions to false and everything else to true', () => {
    expect(missingToHeld([], 3)).toEqual([true, true, true]);
    expect(missingToHeld([{ n: '2' }], 3)).toEqual([true, false, true]);
    expect(missingToHeld([{ n: '1' }, { n: '3' }], 3)).toEqual([false, true, false]);
  });

  it('rejects positions PostgreSQL cannot have sent', () => {
    expect(() => missingToHeld([{ n: '0' }], 3)).toThrow(/unexpected key position/);
    expect(() => missingToHeld([{ n: '4' }], 3)).toThrow(/unexpected key position/);
    expect(() => missingToHeld([{ n: 'x' }], 3)).toThrow(/unexpected key position/);
  });

  it('acquire answers list only the granted positions', () => {
    expect(listedToTrue([], 3)).toEqual([false, false, false]);
    expect(listedToTrue([{ n: '3' }, { n: 1 }], 3)).toEqual([true, false, true]);
    expect(() => listedToTrue([{ n: '9' }], 3)).toThrow(/unexpected key position/);
  });

  it('sends keys as one bigint[] literal', () => {
    expect(bigintArray(['1', '-2', '9223372036854775807'])).toBe('{1,-2,9223372036854775807}');
    expect(bigintArray([])).toBe('{}');
  });
});

describe('release channel option', () => {
  it('accepts plain identifiers and quotes them for LISTEN, guarded by the proven backend pid', () => {
    for (const channel of ['polecat_lock_released', '_x', 'Orders_1']) expect(() => assertReleaseChannel(channel)).not.toThrow();
    const sql = guardedListenSql('Orders_1', 4242);
    expect(sql).toContain('listen "Orders_1";');
    expect(sql).toContain('if pg_backend_pid() <> 4242 then raise exception');
    expect(() => guardedListenSql('Orders_1', 1.5)).toThrow(/backend pid/);
  });

  it('rejects anything that is not a plain identifier (no SQL reaches LISTEN)', () => {
    for (const channel of ['', '1abc', 'a b', 'a"; drop table x; --', 'x'.repeat(64), 'é']) {
      expect(() => new PostgresAppLock('postgres://u@h/db', { releaseChannel: channel })).toThrow(/releaseChannel/);
    }
    expect(() => new PostgresAppLock('postgres://u@h/db', { releaseChannel: 42 as unknown as string })).toThrow(/releaseChannel/);
  });

  it('false disables notices: subscribing is a no-op, and announcesReleases says so', () => {
    const lock = new PostgresAppLock('postgres://u@h/db', { releaseChannel: false });
    const unsubscribe = lock.onReleaseNotice(() => undefined);
    expect(typeof unsubscribe).toBe('function');
    unsubscribe();
    expect(lock.announcesReleases).toBe(false);
    expect(new PostgresAppLock('postgres://u@h/db').announcesReleases).toBe(true);
  });
});
