import { describe, expect, it } from 'vitest';
import {
  ACCEPTED_CONNECTION_FORMS,
  CONNECTION_BACKENDS,
  CONNECTION_STRING_FORMS,
  connectionStringBackend,
  connectionStringForm,
  redactConnectionString,
} from '../src';
import { parseSqlServerConnection, parseSqlServerUrl } from '../src/sql-server';
import { AppLockError } from '../src/errors';

const PW = 'S3cr3t-pw';

describe('connectionStringForm', () => {
  it.each([
    ['postgres://u@h/db', 'postgres-url'],
    ['  POSTGRESQL://u@h/db', 'postgres-url'],
    ['host=db port=5432 dbname=app user=app', 'postgres-keywords'],
    [`user = app password='${PW}'`, 'postgres-keywords'],
    ['mssql://sa@db/app', 'sql-server-url'],
    ['sqlserver://sa@db:1433/app', 'sql-server-url'],
    ['Server=db;Database=app;User Id=sa', 'sql-server-keywords'],
    ['Data Source=db,1433;Initial Catalog=app', 'sql-server-keywords'],
    ['User Id=sa;Server=db', 'sql-server-keywords'],
  ])('%s is %s', (text, form) => {
    expect(connectionStringForm(text)).toBe(form);
  });

  it.each(['postgress://u@h/db', 'mysql://u@h/db', `postgresql//u:${PW}@h/db`, 'garbage', 'Database=x;Password=y', 'dbhost=x', ''])(
    '%s has no form',
    (text) => {
      expect(connectionStringForm(text)).toBeUndefined();
    },
  );
});

describe('CONNECTION_BACKENDS: the one list of backends a connection string names', () => {
  it.each([
    ['postgres://u@h/db', 'postgres'],
    ['host=db dbname=app user=app', 'postgres'],
    ['mssql://sa@db/app', 'sqlserver'],
    ['Data Source=db;Initial Catalog=app', 'sqlserver'],
    ['mysql://u@h/db', undefined],
    ['garbage', undefined],
  ])('connectionStringBackend(%s) is %s', (text, backend) => {
    expect(connectionStringBackend(text)).toBe(backend);
  });

  it('gives every form to exactly one backend and names each backend in ACCEPTED_CONNECTION_FORMS', () => {
    const forms = CONNECTION_BACKENDS.flatMap((spec) => [spec.url.form, spec.keywords.form]);
    expect([...forms].sort()).toEqual([...CONNECTION_STRING_FORMS].sort());
    for (const spec of CONNECTION_BACKENDS) expect(ACCEPTED_CONNECTION_FORMS).toContain(spec.accepted);
  });

  it('lets an unambiguous SQL Server key win over a leading libpq keyword', () => {
    expect(connectionStringForm('host=db;Server=sql1;Database=app')).toBe('sql-server-keywords');
  });
});

describe('redactConnectionString, every form', () => {
  it.each([
    [`postgres://app:${PW}@db:5432/x`],
    [`postgresql://app:${encodeURIComponent(PW + '/@:')}@db/x?sslpassword=${PW}`],
    [`postgres://app@db/x?password=${PW}`],
    [`postgresql//app:${PW}@db:5432/x`],
    [`postgres:/app:${PW}@db/x`],
    [`app:${PW}@db/x`],
    [`host=db user=app password=${PW} dbname=x`],
    [`host=db password = '${PW} with spaces \\' and quote' dbname=x`],
    [`host=db password=${PW};still dbname=x`],
    [`Server=db;Database=x;User Id=sa;Password=${PW};Encrypt=true`],
    [`Data Source=db;Pwd={${PW};x};`],
    [`Server=db;Password='${PW}'`],
    [`Server=db;Password="${PW}"`],
    [`Server=db; Password = ${PW} ;Database=x`],
    [`mssql://sa:${PW}@db/x?password=${PW}`],
    [`sqlserver://sa:${PW}@db/x`],
    [`connect failed for postgres://app:${PW}@db/x: ECONNREFUSED`],
    [`login failed (password=${PW})`],
    [`bad string: Password:${PW}`],
    [`http//:${PW}@x`],
    [`postgres://app:${PW}@db/x extra words`],
  ])('%s', (input) => {
    const out = redactConnectionString(input);
    expect(out).not.toContain(PW);
    expect(out).not.toContain(encodeURIComponent(PW));
  });

  it('keeps what is not secret', () => {
    expect(redactConnectionString('host=db user=app password=x1y2z3 dbname=orders')).toBe('host=db user=app password=*** dbname=orders');
    expect(redactConnectionString(`Server=db;Database=x;Password=${PW};Encrypt=true`)).toBe('Server=db;Database=x;Password=***;Encrypt=true');
    expect(redactConnectionString(`postgresql//app:${PW}@db/x`)).toBe('postgresql//app:***@db/x');
    expect(redactConnectionString('getaddrinfo ENOTFOUND base')).toBe('getaddrinfo ENOTFOUND base');
    expect(redactConnectionString('expected postgres://user@host:5432/db or postgresql://...')).toBe(
      'expected postgres://user@host:5432/db or postgresql://...',
    );
    expect(redactConnectionString(`to postgres://app:${PW}@db:5432/x: refused`)).toBe('to postgres://app:***@db:5432/x: refused');
    expect(redactConnectionString('to postgres://app:***@db:5432/x: refused')).toBe('to postgres://app:***@db:5432/x: refused'); // idempotent
    expect(redactConnectionString('password authentication failed for user "app"')).toBe('password authentication failed for user "app"');
  });
});

describe('SQL Server URLs', () => {
  it('reads mssql:// and sqlserver:// URLs; the target has no password', () => {
    const url = `mssql://svc:${encodeURIComponent(PW + '@;')}@db.example:14330/app?encrypt=true&trustServerCertificate=false&applicationName=billing`;
    const parsed = parseSqlServerConnection(url);
    expect(parsed.config).toMatchObject({
      server: 'db.example',
      port: 14330,
      user: 'svc',
      password: `${PW}@;`,
      database: 'app',
      options: { encrypt: true, trustServerCertificate: false },
    });
    expect(parsed.applicationName).toBe('billing');
    expect(parsed.target).toBe('sqlserver://svc@db.example:14330/app');
    expect(parseSqlServerUrl('sqlserver://db/x?instanceName=SQL1').config).toMatchObject({ server: 'db', database: 'x', options: { instanceName: 'SQL1' } });
  });

  it.each([
    `mssql://sa:${PW}@/x`,
    `mssql://sa:${PW}@db/x?encrypt=yes`,
    `mssql://sa:${PW}@db/x?pooling=true`,
    `mssql://sa:%E0%A4%A@db/x`,
    `postgres://sa:${PW}@db/x`,
    `Database=x;Password=${PW}`,
    'nonsense',
  ])('refuses %s with INVALID_CONFIGURATION, never repeating it', (text) => {
    let thrown: unknown;
    try {
      parseSqlServerConnection(text);
    } catch (error) {
      thrown = error;
    }
    expect(AppLockError.hasCode(thrown, 'INVALID_CONFIGURATION')).toBe(true);
    expect((thrown as Error).message).not.toContain(PW);
    expect((thrown as Error).message).not.toContain(text);
  });
});
