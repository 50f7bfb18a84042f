import { describe, expect, it } from 'vitest';
import { AppLockError } from '@polecat/app-lock';
import { PostgresAppLock, parsePostgresKeywordString } from '../src';

const PW = 'S3cr3t-pw';

function invalid(make: () => unknown): AppLockError {
  let thrown: unknown;
  try {
    make();
  } catch (error) {
    thrown = error;
  }
  expect(AppLockError.hasCode(thrown, 'INVALID_CONFIGURATION'), String(thrown)).toBe(true);
  return thrown as AppLockError;
}

describe('libpq keyword/value strings', () => {
  it('parses pairs, quotes and escapes into a pg config', () => {
    expect(
      parsePostgresKeywordString(
        `host=db port=6432 dbname=orders user=app password='a b\\'c\\\\' sslmode=require application_name=x options='-c search_path=s'`,
      ),
    ).toEqual({
      host: 'db',
      port: 6432,
      database: 'orders',
      user: 'app',
      password: "a b'c\\",
      ssl: true,
      application_name: 'x',
      options: '-c search_path=s',
    });
    expect(parsePostgresKeywordString('host = /var/run/postgresql  user=me sslmode=disable connect_timeout=3')).toEqual({
      host: '/var/run/postgresql',
      user: 'me',
      ssl: false,
      connectionTimeoutMillis: 3000,
    });
  });

  it('shows a password-free target for keyword strings', () => {
    expect(new PostgresAppLock(`host=db port=5433 dbname=orders user=app password=${PW}`).target).toBe('postgres://app@db:5433/orders');
    expect(new PostgresAppLock(`user=app password='${PW} x' host=db`).target).toBe('postgres://app@db:5432/');
  });

  it.each([
    `host=db password='${PW}`, // unterminated quote
    `host=db password=${PW} nonsense`,
    `host=db passwd=${PW}`,
    `host=db,db2 password=${PW}`,
    `host=db port=99999 password=${PW}`,
    `host=db sslmode=maybe password=${PW}`,
    `host=db sslrootcert=/x password=${PW}`,
  ])('refuses %s without repeating a value', (text) => {
    const error = invalid(() => parsePostgresKeywordString(text));
    expect(error.message).not.toContain(PW);
  });
});

describe('PostgresAppLock recognises strings by form', () => {
  it.each([
    `postgresql//app:${PW}@db:5432/orders`,
    `postgress://app:${PW}@db/orders`,
    `mysql://app:${PW}@db/orders`,
    `Server=db;Database=orders;User Id=app;Password=${PW}`,
    `app:${PW}@db`,
    'garbage',
  ])('refuses %s with INVALID_CONFIGURATION naming the forms, never echoing it', (text) => {
    const error = invalid(() => new PostgresAppLock(text));
    expect(error.message).toContain('postgres://');
    expect(error.message).toContain('keyword/value');
    expect(`${error.message}\n${error.stack ?? ''}`).not.toContain(PW);
    expect(error.message).not.toContain(text);
  });

  it('refuses a config whose connectionString is not a URL', () => {
    const error = invalid(() => new PostgresAppLock({ connectionString: `host=db password=${PW}` }));
    expect(error.message).not.toContain(PW);
  });
});
