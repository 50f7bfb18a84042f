import { connectionStringForm } from './connection-form';

const SECRET_KEY = String.raw`password|pwd|sslpassword|accesstoken|access token|clientsecret|client secret`;
/** ADO.NET-style values (SQL Server): quoted, braced, or up to the next `;`. */
const ADO_SECRET = new RegExp(String.raw`((?:^|;)\s*(?:${SECRET_KEY})\s*=\s*)("(?:[^"]|"")*"|'(?:[^']|'')*'|\{(?:[^}]|\}\})*\}|[^;]*)`, 'gi');
/** libpq keyword/value (PostgreSQL): single-quoted with backslash escapes, or up to the next space. */
const LIBPQ_SECRET = new RegExp(String.raw`((?:^|\s)(?:${SECRET_KEY})\s*=\s*)('(?:\\.|[^'\\])*'?|(?:\\.|\S)*)`, 'gi');
/** `scheme://user:secret@` inside free text. */
const URL_USERINFO_SECRET = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@]*@/gi;
/** `user:secret@` anywhere else (malformed URLs such as `postgresql//user:pw@host`); `scheme://` is not a `user:` */
const USERINFO_SECRET = /((?:^|[\s/"'(<=,])[^\s:/@"'(<=,]*):(?!\/\/|\*\*\*@)[^\s@]*@/g;
/** Free text: a secret key followed by `=` or `:` and a value, whatever the separators around it. */
const FREE_TEXT_SECRET = new RegExp(String.raw`((?:^|[^a-z])(?:${SECRET_KEY})\s*[=:]\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\{[^}]*\}|[^\s;,&]*)`, 'gi');

/**
 * Removes secrets from a connection string, or from free text that may contain one (a driver's
 * error message), so it can appear in a log line or an error. Recognises each form by its shape:
 * - URLs (`postgres://user:***@host/db`, `mssql://...`; also `password=` query parameters);
 *   an unparseable URL becomes `[redacted]`;
 * - SQL Server keyword strings (`Server=x;Password=***`, also `Pwd=`, braced or quoted values);
 * - PostgreSQL keyword/value strings (`host=x password=***`, quoted values with escapes);
 * - anything else: every `user:secret@` and every `password=`/`pwd=`/`password:` value is masked.
 */
export function redactConnectionString(value: string): string {
  const trimmed = value.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) && !/\s/.test(trimmed)) {
    try {
      const url = new URL(trimmed);
      if (url.password) url.password = '***';
      for (const key of [...url.searchParams.keys()]) {
        if (/pass|pwd|secret|token|key/i.test(key)) url.searchParams.set(key, '***');
      }
      return url.toString();
    } catch {
      return '[redacted]';
    }
  }
  switch (connectionStringForm(trimmed)) {
    case 'sql-server-keywords':
      return trimmed.replace(ADO_SECRET, '$1***');
    case 'postgres-keywords':
      return trimmed.replace(LIBPQ_SECRET, '$1***');
    default:
      return trimmed.replace(URL_USERINFO_SECRET, '$1:***@').replace(USERINFO_SECRET, '$1:***@').replace(FREE_TEXT_SECRET, '$1***');
  }
}
