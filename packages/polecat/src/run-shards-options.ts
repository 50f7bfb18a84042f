import { DiAdapterError } from '@polecat/di-adapters';
import { isLoggerLike } from '@polecat/kit';

/**
 * Refuses `runShards()`, `runShards(null)` and other non-objects, and a `logger` that is no logger
 * (`'console'`, `42`, `{}`), with a typed error instead of a `TypeError`.
 */
export function checkRunShardsOptions(options: unknown): asserts options is object {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new DiAdapterError(
      'INVALID_CONFIGURATION',
      `runShards needs an options object ({ connection, shards: { name: async ({ signal }) => { ... } } }), got ${options === null ? 'null' : Array.isArray(options) ? 'a list' : typeof options}`,
    );
  }
  const logger = (options as { logger?: unknown }).logger;
  if (logger !== undefined && logger !== false && !isLoggerLike(logger)) {
    throw new DiAdapterError(
      'INVALID_CONFIGURATION',
      `logger must have debug, info, warn and error methods (console, pino, winston, a Logger) or be false, got ${logger === null ? 'null' : typeof logger}`,
    );
  }
}

/**
 * Calls a `databases` function once before anything starts, so that one that throws or returns no
 * list is refused with a typed error rather than failing every cycle in the background. An empty
 * list is allowed (tenants may come later).
 */
export async function probeDatabases(databases: unknown, store: string): Promise<void> {
  if (typeof databases !== 'function') return;
  let listed: unknown;
  try {
    listed = await (databases as () => unknown)();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DiAdapterError('INVALID_CONFIGURATION', `Store "${store}": the databases function threw: ${detail}`, { cause: error });
  }
  if (!Array.isArray(listed)) {
    throw new DiAdapterError(
      'INVALID_CONFIGURATION',
      `Store "${store}": the databases function must return a list of { id }, got ${listed === null ? 'null' : typeof listed}`,
    );
  }
}
