import type { LogContext } from './logger';

/** An `Error` as plain, JSON-serialisable fields (its own fields are not enumerable). */
export function plainError(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: unknown }).cause;
  return {
    type: error.name,
    message: error.message,
    ...(code === undefined ? {} : { code }),
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(cause instanceof Error ? { cause: plainError(cause) } : {}),
  };
}

/** `context` with every `Error` value replaced by {@link plainError} (for loggers that JSON-encode fields). */
export function serializeErrors(context: LogContext): LogContext {
  let out: LogContext | undefined;
  for (const [key, value] of Object.entries(context)) {
    if (value instanceof Error) {
      out ??= { ...context };
      out[key] = plainError(value);
    }
  }
  return out ?? context;
}

/**
 * `context` with its `error` field (an `Error`) moved to `key` (pino's serializers read `err`);
 * unchanged when there is no such field or `key` is already taken.
 */
export function errorFields(context: LogContext, key: string): LogContext {
  const { error, ...rest } = context;
  if (!(error instanceof Error) || key in context) return context;
  return { ...rest, [key]: error };
}
