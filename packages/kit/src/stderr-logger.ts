import { systemClock, type Clock } from './clock';
import { toLogger, type ConsoleLike, type LogContext, type Logger } from './logger';

/** Options of {@link stderrLogger}. */
export interface StderrLoggerOptions {
  /** Where lines go. Default: `process.stderr`. */
  readonly write?: (line: string) => void;
  /** A repeated problem (same level and message) is printed at most once per this interval, with the count of repeats. Default 60 000 ms. */
  readonly repeatIntervalMs?: number;
  /** Time source. Default `systemClock`. */
  readonly clock?: Clock;
}

/** `user:secret@` in URLs and `password=...` / `pwd=...` in keyword strings, masked. */
export function maskSecrets(text: string): string {
  return text.replace(/(\/\/[^/:@\s]*:)[^@\s]*@/g, '$1***@').replace(/\b(password|pwd)(\s*=\s*)('[^']*'|"[^"]*"|[^;\s]*)/gi, '$1$2***');
}

function describe(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return `${value.name}${typeof code === 'string' ? ` ${code}` : ''}: ${value.message}`;
  }
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function formatLine(level: 'warn' | 'error', message: string, context: LogContext | undefined, repeats: number): string {
  const fields = Object.entries(context ?? {}).map(([key, value]) => `${key}=${JSON.stringify(describe(value))}`);
  if (repeats > 0) fields.push(`repeated=${repeats}`);
  return maskSecrets(`polecat ${level.toUpperCase()} ${message}${fields.length === 0 ? '' : ` ${fields.join(' ')}`}`);
}

/**
 * The default logger of `runShards`, `createProjectionCoordinator` and `ProjectionCoordinator` when
 * none is given (`logger: false` silences them): warnings and errors only, one line each on stderr,
 * passwords masked, and a problem that repeats (same level and message) printed once per
 * `repeatIntervalMs` with the number of repeats in between.
 * @example stderrLogger().warn('database unreachable', { database: 'default' })
 */
export function stderrLogger(options: StderrLoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const intervalMs = options.repeatIntervalMs ?? 60_000;
  const clock = options.clock ?? systemClock;
  const seen = new Map<string, { printedAt: number; repeats: number }>();
  const log = (level: 'warn' | 'error') => (message: string, context?: LogContext) => {
    const key = `${level} ${message}`;
    const now = clock.now();
    const last = seen.get(key);
    if (last !== undefined && now - last.printedAt < intervalMs) {
      last.repeats += 1;
      return;
    }
    if (seen.size >= 1000) seen.clear(); // a bounded memory of distinct problems
    seen.set(key, { printedAt: now, repeats: 0 });
    write(formatLine(level, message, context, last?.repeats ?? 0));
  };
  return { debug() {}, info() {}, warn: log('warn'), error: log('error') };
}

/**
 * The logger an entry point uses for its `logger` option: none given, a new {@link stderrLogger}
 * (not silent); `false`, silent; anything else adapted by `toLogger`.
 */
export function loggerOrStderr(value: ConsoleLike | Logger | false | undefined): Logger {
  return value === undefined ? stderrLogger() : toLogger(value);
}
