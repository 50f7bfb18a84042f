import { LIBPQ_KEYWORDS } from '@polecat/app-lock';
import { invalidConfiguration } from './internal/postgres-errors';
import type { PostgresConnectionConfig } from './postgres-connection-config';

/**
 * Reads a libpq keyword/value connection string (`host=db port=5432 dbname=app user=app
 * password='a b' sslmode=require`, PostgreSQL documentation "Keyword/Value Connection Strings"):
 * pairs separated by whitespace, spaces allowed around `=`, a value single-quoted (with `\'` and
 * `\\`) or unquoted (with backslash escapes). `pg` itself reads only URLs, so this turns the pairs
 * into its config: `host`, `hostaddr` (as host), `port`, `dbname`, `user`, `password`,
 * `application_name`, `connect_timeout`, `options`, `sslmode`. A keyword libpq knows but `pg`
 * cannot honour, an unknown keyword or a malformed string is an `INVALID_CONFIGURATION` naming the
 * keyword only (never a value: it may be the password).
 */
export function parsePostgresKeywordString(connection: string): PostgresConnectionConfig {
  const pairs = new Map<string, string>();
  const text = connection.trim();
  let i = 0;
  const fail = (what: string): never => {
    throw invalidConfiguration(`PostgreSQL keyword/value connection string: ${what} (its text is not repeated here because it may contain a password)`);
  };
  while (i < text.length) {
    const key = /^([A-Za-z_]+)\s*=\s*/.exec(text.slice(i));
    if (key === null) fail(`expected keyword=value at character ${i + 1}`);
    const keyword = key![1]!.toLowerCase();
    i += key![0].length;
    let value = '';
    if (text[i] === "'") {
      i += 1;
      for (;;) {
        if (i >= text.length) fail(`unterminated quoted value of ${keyword}`);
        const c = text[i]!;
        if (c === "'") break;
        if (c === '\\' && i + 1 < text.length) i += 1;
        value += text[i];
        i += 1;
      }
      i += 1;
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) {
        if (text[i] === '\\' && i + 1 < text.length) i += 1;
        value += text[i];
        i += 1;
      }
    }
    if (!LIBPQ_KEYWORDS.has(keyword)) fail(`unknown keyword "${keyword}"`);
    pairs.set(keyword, value);
    while (i < text.length && /\s/.test(text[i]!)) i += 1;
  }
  return toConfig(pairs, fail);
}

const SUPPORTED = new Set([
  'host',
  'hostaddr',
  'port',
  'dbname',
  'user',
  'password',
  'application_name',
  'fallback_application_name',
  'connect_timeout',
  'options',
  'sslmode',
]);

function toConfig(pairs: ReadonlyMap<string, string>, fail: (what: string) => never): PostgresConnectionConfig {
  const config: Record<string, unknown> = {};
  for (const [keyword, value] of pairs) {
    if (!SUPPORTED.has(keyword)) fail(`keyword "${keyword}" is not supported by the pg driver (pass a config object instead)`);
    switch (keyword) {
      case 'host':
      case 'hostaddr':
        if (value.includes(',')) fail('several hosts are not supported by the pg driver');
        config.host = value;
        break;
      case 'port': {
        const port = Number(value);
        if (!Number.isInteger(port) || port <= 0 || port > 65_535) fail('port must be an integer in 1..65535');
        config.port = port;
        break;
      }
      case 'dbname':
        config.database = value;
        break;
      case 'connect_timeout': {
        const seconds = Number(value);
        if (!Number.isFinite(seconds) || seconds < 0) fail('connect_timeout must be a number of seconds >= 0');
        config.connectionTimeoutMillis = seconds * 1000;
        break;
      }
      case 'sslmode':
        config.ssl = sslFor(value, fail);
        break;
      case 'fallback_application_name':
        if (config.application_name === undefined) config.application_name = value;
        break;
      default:
        config[keyword] = value; // user, password, application_name, options: same names in pg
    }
  }
  return config as PostgresConnectionConfig;
}

/** pg-connection-string's mapping of `sslmode` (it verifies certificates for every mode but `no-verify`). */
function sslFor(mode: string, fail: (what: string) => never): boolean | Record<string, unknown> {
  switch (mode) {
    case 'disable':
      return false;
    case 'prefer':
    case 'require':
    case 'verify-ca':
    case 'verify-full':
      return true;
    case 'no-verify':
      return { rejectUnauthorized: false };
    default:
      return fail('sslmode must be disable, prefer, require, verify-ca, verify-full or no-verify');
  }
}
