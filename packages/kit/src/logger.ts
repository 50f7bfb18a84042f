import { errorFields, serializeErrors } from './log-errors';

/** Structured context attached to a log line. Never put secrets here. */
export type LogContext = Record<string, unknown>;

/**
 * The logger every `@polecat` package writes to. Use {@link toLogger} to adapt `console`, pino,
 * winston or any logger with the same method names.
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

/** The pino shape: `(object, message)`, recognised by its `child` and `level` members (and no winston `log`/`transports`). */
export interface PinoLike extends ConsoleLike {
  child: (...args: never[]) => unknown;
  level: string;
}

/** A logger that drops everything (`logger: false`). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Whether `value` has the four methods of a logger (console, pino, winston, a {@link Logger}). */
export function isLoggerLike(value: unknown): value is ConsoleLike {
  if (typeof value !== 'object' && typeof value !== 'function') return false;
  if (value === null) return false;
  return LEVELS.every((level) => typeof (value as Record<string, unknown>)[level] === 'function');
}

/** winston: a `log(level, ...)` method and a `transports` list (pino has neither). */
function isWinstonLike(value: object): boolean {
  const candidate = value as { log?: unknown; transports?: unknown };
  return typeof candidate.log === 'function' && Array.isArray(candidate.transports);
}

function isPinoLike(value: object): value is PinoLike {
  const candidate = value as Partial<PinoLike>;
  return typeof candidate.child === 'function' && typeof candidate.level === 'string' && !isWinstonLike(value);
}

/**
 * Adapts `console`, pino, winston, or an object that already is a {@link Logger}; `false` is
 * silent. pino receives `(context, message)` with an `error` field moved to `err` (the key its
 * serializer reads); winston receives `(message, context)` with errors as plain
 * `{ type, message, code, stack }` objects (its JSON format drops an `Error`'s own fields);
 * console receives `(message, context)` unchanged.
 * @throws TypeError when `value` has not the four methods (validate options with {@link isLoggerLike} first).
 * @example toLogger(console); toLogger(pino()); toLogger(winston.createLogger(...)); toLogger(false) // silent
 */
export function toLogger(value: ConsoleLike | Logger | false | undefined): Logger {
  if (value === undefined || value === false) return silentLogger;
  if (!isLoggerLike(value)) throw new TypeError('logger must have debug, info, warn and error methods');
  const pino = isPinoLike(value);
  const winston = !pino && isWinstonLike(value);
  const out = {} as Logger;
  for (const level of LEVELS) {
    const method = (value as unknown as Record<string, (...args: unknown[]) => void>)[level]!.bind(value);
    if (pino) out[level] = (message, context) => (context === undefined ? method(message) : method(errorFields(context, 'err'), message));
    else if (winston) out[level] = (message, context) => (context === undefined ? method(message) : method(message, serializeErrors(context)));
    else out[level] = (message, context) => (context === undefined ? method(message) : method(message, context));
  }
  return out;
}
