import type { LogContext, Logger } from '@polecat/kit';

/** One line kept by a {@link RecordingLogger}. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly context?: LogContext;
}

/** A {@link Logger} that keeps every line; see {@link recordingLogger}. */
export interface RecordingLogger extends Logger {
  /** Every line logged, in order (`context` only when one was given). */
  readonly lines: LogLine[];
  /** The messages logged at `level`. */
  messages(level?: LogLine['level']): string[];
  /**
   * Every line as `level message {context JSON}`, one per line, with errors spelled out (name,
   * message, stack and cause) and bigints as strings: for checking that no secret reaches the logs.
   */
  text(): string;
}

/** A logger that keeps every line, for tests that check what was logged. */
export function recordingLogger(): RecordingLogger {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, context?: LogContext): void => {
      lines.push(context === undefined ? { level, message } : { level, message, context });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    messages: (level) => lines.filter((line) => level === undefined || line.level === level).map((line) => line.message),
    text: () => lines.map((line) => `${line.level} ${line.message} ${JSON.stringify(line.context ?? {}, spellOut)}`).join('\n'),
  };
}

function spellOut(_key: string, value: unknown): unknown {
  if (value instanceof Error)
    return { name: value.name, message: value.message, stack: value.stack, cause: value.cause === undefined ? undefined : String(value.cause) };
  if (typeof value === 'bigint') return String(value);
  return value;
}
