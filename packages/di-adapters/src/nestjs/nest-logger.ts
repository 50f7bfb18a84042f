import { toLogger, type ConsoleLike, type LogContext, type Logger } from '@polecat/app-lock';
import { Logger as NestLogger, type LoggerService } from '@nestjs/common';

/** What `PolecatModule` accepts as a logger: Nest's `Logger` / any `LoggerService`, `console`, pino, or a Polecat `Logger`. */
export type PolecatModuleLogger = LoggerService | Logger | ConsoleLike;

function isLoggerService(value: PolecatModuleLogger): value is LoggerService {
  const record = value as unknown as Record<string, unknown>;
  return typeof record.info !== 'function' && typeof record.log === 'function';
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return typeof value === 'bigint' ? value.toString() : value;
}

function line(message: string, context: LogContext | undefined): string {
  return context === undefined || Object.keys(context).length === 0 ? message : `${message} ${JSON.stringify(context, replacer)}`;
}

/**
 * A Polecat `Logger` over what the module was given. Nest's `Logger` and other `LoggerService`s
 * (which have `log` but no `info`) get `info` as `log`, `debug` as `verbose` (or `debug`), and the
 * context as JSON after the message. Default (`undefined`): `new Logger('Polecat')` for info, warn
 * and error, so the messages follow the application's logger; Polecat's debug messages (some every
 * cycle) are dropped, because Nest's default logger prints every level, verbose included. Pass
 * `logger: new Logger('Polecat')` to get them as VERBOSE lines.
 */
export function toModuleLogger(value: PolecatModuleLogger | undefined): Logger {
  const service: PolecatModuleLogger = value ?? new NestLogger('Polecat');
  if (!isLoggerService(service)) return toLogger(service);
  const debug = value === undefined ? undefined : (service.verbose ?? service.debug);
  return {
    debug: (message, context) => debug?.call(service, line(message, context)),
    info: (message, context) => service.log(line(message, context)),
    warn: (message, context) => service.warn(line(message, context)),
    error: (message, context) => service.error(line(message, context)),
  };
}
