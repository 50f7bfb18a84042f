/**
 * Removes secrets from a connection string or URL so it can appear in a log line or an error:
 * URL passwords (`postgres://user:***@host/db`) and `Password=`/`Pwd=` style key-value pairs
 * (`Server=x;Password=***`). Anything unparseable is reduced to `[redacted]`.
 */
export function redactConnectionString(value: string): string {
  const trimmed = value.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
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
  return trimmed.replace(
    /((?:^|;)\s*(?:password|pwd|accesstoken|access token|clientsecret|client secret)\s*=\s*)("(?:[^"]|"")*"|'(?:[^']|'')*'|\{(?:[^}]|\}\})*\}|[^;]*)/gi,
    '$1***',
  );
}
