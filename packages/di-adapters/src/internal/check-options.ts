import { isLoggerLike } from '@polecat/kit';
import type { DatabaseSource } from '@polecat/distributors';
import { DiAdapterError } from '../errors';

/**
 * Refuses, before anything starts, a `databases` that can never give this store a database to own:
 * an empty list, a list entry without a non-empty string `id`, or something that is neither a list
 * nor a function. (A function is re-read every cycle; `runShards` calls it once before it starts.)
 */
export function checkDatabases(databases: unknown, store: string): asserts databases is DatabaseSource | undefined {
  if (databases === undefined || typeof databases === 'function') return;
  if (!Array.isArray(databases)) {
    throw new DiAdapterError(
      'INVALID_CONFIGURATION',
      `Store "${store}": databases must be a list of { id } or a function returning one, got ${databases === null ? 'null' : typeof databases}`,
    );
  }
  if (databases.length === 0) {
    throw new DiAdapterError(
      'INVALID_CONFIGURATION',
      `Store "${store}": databases is an empty list, so nothing could ever run; omit it for one database, or pass a function when tenants come and go`,
    );
  }
  databases.forEach((database: unknown, index) => {
    const id = (database as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id === '') {
      throw new DiAdapterError('INVALID_CONFIGURATION', `Store "${store}": databases[${index}] needs a non-empty string id`);
    }
  });
}

/** Refuses a `logger` that is not a `Logger`, `console`, pino, winston or `false` (`'console'`, `42`, `{}`). */
export function checkLogger(logger: unknown, store: string): void {
  if (logger === undefined || logger === false || isLoggerLike(logger)) return;
  throw new DiAdapterError(
    'INVALID_CONFIGURATION',
    `Store "${store}": logger must be an object with debug, info, warn and error methods (console, pino, winston, a Logger) or false, got ${logger === null ? 'null' : typeof logger === 'object' ? 'an object without them' : `${typeof logger} ${JSON.stringify(logger)}`}`,
  );
}
