import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppLockError } from '../src/errors';
import { describeSqlServerTarget, lockConnectionConfig, parseSqlServerConnection } from '../src/sql-server/sql-server-connection-config';
import { SqlServerAppLock, sqlServerResourceName, SQL_SERVER_MAX_RESOURCE_LENGTH } from '../src/sql-server/index';
import { interpretGetAppLockResult, interpretReleaseAppLockResult, isExclusiveMode, mapSqlServerError } from '../src/sql-server/sql-server-errors';
import { ACQUIRE_SQL, PROBE_SQL, RELEASE_SQL, VERIFY_SQL } from '../src/sql-server/internal/sql-server-sql';

const PASSWORD = 'S3cr3t-P@ss;word';

describe('sqlServerResourceName', () => {
  it('maps numbers to plain decimal, compatible with .NET Polecat', () => {
    expect(sqlServerResourceName(4444)).toBe('4444');
    expect(sqlServerResourceName(-2_147_483_648)).toBe('-2147483648');
    expect(sqlServerResourceName(255106635, 'polecat_projection_')).toBe('polecat_projection_255106635');
  });

  it('keeps names (case-sensitive, quotes and brackets untouched) and prefixes them', () => {
    expect(sqlServerResourceName('Orders:All')).toBe('Orders:All');
    expect(sqlServerResourceName('orders:All')).not.toBe(sqlServerResourceName('Orders:All'));
    expect(sqlServerResourceName("x'; DROP TABLE t; --]", 'p:')).toBe("p:x'; DROP TABLE t; --]");
  });

  it.each([1, 255])('keeps a name of %i characters as is', (length) => {
    const name = 'n'.repeat(length);
    expect(sqlServerResourceName(name)).toBe(name);
  });

  it.each([256, 4000])('turns a name of %i characters into 255 characters: prefix + # + hash', (length) => {
    const name = 'n'.repeat(length);
    const resource = sqlServerResourceName(name);
    expect(resource).toHaveLength(SQL_SERVER_MAX_RESOURCE_LENGTH);
    const digest = createHash('sha256').update(name).digest('hex').slice(0, 32);
    expect(resource).toBe(`${'n'.repeat(222)}#${digest}`);
  });

  it('never lets two long names that share 255 characters collide', () => {
    const base = 'x'.repeat(300);
    const a = sqlServerResourceName(`${base}a`);
    const b = sqlServerResourceName(`${base}b`);
    expect(a).not.toBe(b);
    expect(a.slice(0, 222)).toBe(b.slice(0, 222));
    expect(sqlServerResourceName(`${'y'.repeat(250)}`, 'pre:')).toHaveLength(254);
    expect(sqlServerResourceName(`${'y'.repeat(252)}`, 'pre:')).toHaveLength(255);
  });

  it('does not split a surrogate pair when shortening', () => {
    const name = `${'a'.repeat(221)}${'😀'.repeat(40)}`;
    const resource = sqlServerResourceName(name);
    expect(resource.length).toBeLessThanOrEqual(255);
    expect(resource).not.toMatch(/[\uD800-\uDBFF]#/);
  });

  it('rejects bad ids and prefixes with typed errors', () => {
    for (const bad of [Number.NaN, 1.5, 2 ** 31, '', undefined]) {
      expect(() => sqlServerResourceName(bad as never)).toThrowError(expect.objectContaining({ code: 'INVALID_LOCK_ID' }));
    }
    expect(() => sqlServerResourceName(1, 'p'.repeat(191))).toThrowError(expect.objectContaining({ code: 'INVALID_CONFIGURATION' }));
    expect(sqlServerResourceName(1, 'p'.repeat(190))).toBe(`${'p'.repeat(190)}1`);
  });
});

describe('sp_getapplock / sp_releaseapplock results', () => {
  it('maps every documented sp_getapplock value', () => {
    expect(interpretGetAppLockResult(0, 'r')).toBe(true);
    expect(interpretGetAppLockResult(1, 'r')).toBe(true);
    expect(interpretGetAppLockResult(-1, 'r')).toBe(false);
    const cases = [
      [-2, 'LOCK_REQUEST_CANCELLED'],
      [-3, 'LOCK_DEADLOCK_VICTIM'],
      [-999, 'LOCK_REQUEST_FAILED'],
      [-4, 'LOCK_REQUEST_FAILED'],
      [2, 'LOCK_REQUEST_FAILED'],
      [null, 'LOCK_REQUEST_FAILED'],
    ] as const;
    for (const [code, errorCode] of cases) {
      let thrown: unknown;
      try {
        interpretGetAppLockResult(code, 'res');
      } catch (error) {
        thrown = error;
      }
      expect(AppLockError.hasCode(thrown, errorCode), `${String(code)} -> ${errorCode}`).toBe(true);
      expect((thrown as Error).message).toContain('"res"');
    }
  });

  it('maps sp_releaseapplock values (null = was not held)', () => {
    expect(() => interpretReleaseAppLockResult(0, 'r')).not.toThrow();
    expect(() => interpretReleaseAppLockResult(null, 'r')).not.toThrow();
    expect(() => interpretReleaseAppLockResult(-999, 'r')).toThrowError(expect.objectContaining({ code: 'LOCK_REQUEST_FAILED' }));
    expect(() => interpretReleaseAppLockResult(7, 'r')).toThrowError(expect.objectContaining({ code: 'LOCK_REQUEST_FAILED' }));
  });

  it('treats only Exclusive as held', () => {
    expect(isExclusiveMode('Exclusive')).toBe(true);
    for (const mode of ['NoLock', 'Shared', 'Update', 'IntentExclusive', null, undefined]) expect(isExclusiveMode(mode)).toBe(false);
  });
});

describe('mapSqlServerError', () => {
  const target = 'sqlserver://app@db:1433/x';
  const driverError = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

  it('maps login failures to non-retryable CONNECTION_FAILED', () => {
    const mapped = mapSqlServerError(driverError('ELOGIN', "Login failed for user 'app'."), target, 'connect');
    expect(mapped.code).toBe('CONNECTION_FAILED');
    expect(mapped.retryable).toBe(false);
    expect(mapped.message).toContain(target);
  });

  it.each(['ESOCKET', 'ETIMEOUT', 'ECONNREFUSED', 'ECONNCLOSED', 'ECONNRESET', 'ENOTFOUND'])('maps %s to retryable CONNECTION_FAILED', (code) => {
    const mapped = mapSqlServerError(driverError(code), target, 'request');
    expect(mapped.code).toBe('CONNECTION_FAILED');
    expect(mapped.retryable).toBe(true);
  });

  it('looks through mssql originalError wrappers and maps other request errors to LOCK_REQUEST_FAILED', () => {
    const wrapped = Object.assign(new Error('wrapped'), { originalError: driverError('ECONNRESET') });
    expect(mapSqlServerError(wrapped, target, 'request').code).toBe('CONNECTION_FAILED');
    expect(mapSqlServerError(driverError('EREQUEST'), target, 'request').code).toBe('LOCK_REQUEST_FAILED');
    expect(mapSqlServerError(driverError('EREQUEST'), target, 'connect').code).toBe('CONNECTION_FAILED');
    const own = new AppLockError('DISPOSED', 'x');
    expect(mapSqlServerError(own, target, 'request')).toBe(own);
  });
});

describe('connection settings', () => {
  it('parses ADO-style strings and describes them without the password', () => {
    const parsed = parseSqlServerConnection(
      `Server=tcp:db.example,14330;Database=app;User Id=svc;Password={${PASSWORD}};Encrypt=true;Application Name=billing`,
    );
    expect(parsed.config.server).toBe('db.example');
    expect(parsed.config.port).toBe(14330);
    expect(parsed.config.password).toBe(PASSWORD);
    expect(parsed.target).toBe('sqlserver://svc@db.example:14330/app');
    expect(parsed.applicationName).toBe('billing');
    expect(parsed.target).not.toContain('S3cr3t');
  });

  it('copies config objects without mutating them', () => {
    const config = { server: 'db', user: 'u', password: PASSWORD, database: 'd', options: { encrypt: false } };
    const parsed = parseSqlServerConnection(config);
    expect(parsed.target).toBe('sqlserver://u@db:1433/d');
    const pool = lockConnectionConfig(parsed.config, { applicationName: 'a', requestTimeoutMs: 6000, beforeConnect: () => undefined });
    expect(pool.pool).toMatchObject({ min: 0, max: 1, idleTimeoutMillis: 2_147_483_647 });
    expect(pool.options).toMatchObject({ encrypt: false, appName: 'a' });
    expect(pool.requestTimeout).toBe(6000);
    expect(pool.validateConnection).toBe(false);
    expect(config).toEqual({ server: 'db', user: 'u', password: PASSWORD, database: 'd', options: { encrypt: false } });
  });

  it('describes named instances and tokens-only configs', () => {
    expect(describeSqlServerTarget({ server: 'db', options: { instanceName: 'SQL1' } })).toBe('sqlserver://db\\SQL1/');
  });

  it('rejects malformed settings with INVALID_CONFIGURATION and no password in the message', () => {
    const bad: unknown[] = [
      '',
      '   ',
      `Database=app;Password=${PASSWORD}`,
      `Server=;Password=${PASSWORD}`,
      `Server=db;User Id=;Password={${PASSWORD}}`,
      `Server=db;Password={${PASSWORD}`,
      'garbage',
      null,
      42,
      { user: 'x', password: PASSWORD },
      { server: 'db', port: 0 },
    ];
    for (const connection of bad) {
      let thrown: unknown;
      try {
        new SqlServerAppLock(connection as never);
      } catch (error) {
        thrown = error;
      }
      expect(AppLockError.hasCode(thrown, 'INVALID_CONFIGURATION'), String(connection)).toBe(true);
      expect(JSON.stringify({ m: (thrown as Error).message, c: String((thrown as Error).cause) })).not.toContain('S3cr3t');
    }
  });

  it('validates options', () => {
    const make = (options: object) => () => new SqlServerAppLock({ server: 'db' }, options);
    expect(make({ lockTimeoutMs: -1 })).toThrowError(expect.objectContaining({ code: 'INVALID_CONFIGURATION' }));
    expect(make({ lockTimeoutMs: 1.5 })).toThrowError(expect.objectContaining({ code: 'INVALID_CONFIGURATION' }));
    expect(make({ requestTimeoutMs: 0 })).toThrowError(expect.objectContaining({ code: 'INVALID_CONFIGURATION' }));
    expect(make({ resourcePrefix: 'p'.repeat(300) })).toThrowError(expect.objectContaining({ code: 'INVALID_CONFIGURATION' }));
    expect(make({ applicationName: '' })).toThrowError(expect.objectContaining({ code: 'INVALID_CONFIGURATION' }));
  });

  it('exposes backend, redacted target, application name and resource names without connecting', async () => {
    const lock = new SqlServerAppLock(`Server=db;Database=app;User Id=svc;Password=${PASSWORD}`, { resourcePrefix: 'pc:' });
    expect(lock.backend).toBe('sqlserver');
    expect(lock.target).toBe('sqlserver://svc@db:1433/app');
    expect(lock.applicationName).toBe('polecat-app-lock');
    expect(lock.resourceName(7)).toBe('pc:7');
    expect(lock.stats()).toEqual({ roundTrips: 0, connects: 0, held: 0, lost: 0 });
    await lock.dispose();
  });
});

describe('SQL text', () => {
  it('uses parameters only and the documented procedure arguments', () => {
    for (const sql of [ACQUIRE_SQL, VERIFY_SQL, RELEASE_SQL, PROBE_SQL]) {
      expect(sql).toContain('OPENJSON(@names)');
      expect(sql).toContain('@@SPID');
      expect(sql).not.toMatch(/\$\{|polecat_projection/);
    }
    expect(ACQUIRE_SQL).toMatch(
      /sp_getapplock @Resource = @resource, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = @lockTimeout, @DbPrincipal = 'public'/,
    );
    expect(VERIFY_SQL).toContain("APPLOCK_MODE('public', CAST(j.[value] AS nvarchar(255)), 'Session')");
    expect(PROBE_SQL).toContain("APPLOCK_TEST('public', CAST(j.[value] AS nvarchar(255)), 'Exclusive', 'Session') AS grantable");
    expect(RELEASE_SQL).toMatch(/sp_releaseapplock @Resource = @resource, @LockOwner = 'Session', @DbPrincipal = 'public'/);
    expect(RELEASE_SQL).toContain("APPLOCK_MODE('public', @resource, 'Session') <> 'NoLock'");
  });

  it('does not depend on the names: a hostile name cannot reach the SQL text', () => {
    const hostile = ["'); DROP TABLE x; --", ']]', 'ユニコード', '"'];
    // Names travel as one JSON parameter; the text is a constant.
    expect(JSON.parse(JSON.stringify(hostile))).toEqual(hostile);
    for (const name of hostile) for (const sql of [ACQUIRE_SQL, VERIFY_SQL, RELEASE_SQL, PROBE_SQL]) expect(sql).not.toContain(name);
  });
});
