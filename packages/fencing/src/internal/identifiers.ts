import { FencingError } from '../fencing-error';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Validates a schema or table name (a plain identifier: letter or `_`, then letters, digits, `_`;
 * at most 63 characters, PostgreSQL's limit) and returns it. Identifiers cannot be bound as query
 * parameters, so they are validated here AND quoted by the dialect's quoting.
 */
export function assertIdentifier(kind: string, value: unknown): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw new FencingError(
      'INVALID_IDENTIFIER',
      `The fencing ${kind} name must be a plain identifier (letters, digits and _, starting with a letter or _, at most 63 characters); got ${typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value}`,
    );
  }
  return value;
}

/** PostgreSQL identifier quoting (`"name"`, inner `"` doubled), as `pg`'s `escapeIdentifier` does. */
export function quotePostgres(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** SQL Server identifier quoting (`[name]`, inner `]` doubled), as `QUOTENAME` does. */
export function quoteSqlServer(identifier: string): string {
  return `[${identifier.replace(/\]/g, ']]')}]`;
}
