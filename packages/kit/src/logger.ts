/** Structured context attached to a log line. Never put secrets here. */
export type LogContext = Record<string, unknown>;

/**
 * The logger every `@polecat` package writes to. Use {@link toLogger} to adapt `console`, pino or
 * any logger with the same method names.
 */
export interface Logger {
  debug(message: string, context?: LogContext): void;
  info(message: string, context?: LogContext): void;
  warn(message: string, context?: LogContext): void;
  error(message: string, context?: LogContext): void;
}

type LogMethod = (...args: never[]) => void;

/** The console shape: `(message, ...args)`. */
export interface ConsoleLike {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

/** The pino shape: `(object, message)`, recognised by its `child` and `level` members. */
export interface PinoLike extends ConsoleLike {
  child: (...args: never[]) => unknown;
  level: string;
}

/** A logger that drops everything (the default). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

function isPinoLike(value: ConsoleLike): value is PinoLike {
  return typeof (value as Partial<PinoLike>).child === 'function' && typeof (value as Partial<PinoLike>).level === 'string';
}

/**
 * Adapts `console`, a pino logger, or an object that already is a {@link Logger}. pino-shaped
 * loggers receive `(context, message)`; console-shaped ones `(message, context)`.
 * @example toLogger(console); toLogger(pino()); toLogger(undefined) // silent
 */
export function toLogger(value: ConsoleLike | Logger | undefined): Logger {
  if (value === undefined) return silentLogger;
  const levels = ['debug', 'info', 'warn', 'error'] as const;
  const pino = isPinoLike(value as ConsoleLike);
  const out = {} as Logger;
  for (const level of levels) {
    const method = (value as unknown as Record<string, (...args: unknown[]) => void>)[level]!.bind(value);
    out[level] = pino
      ? (message, context) => (context === undefined ? method(message) : method(context, message))
      : (message, context) => (context === undefined ? method(message) : method(message, context));
  }
  return out;
}
