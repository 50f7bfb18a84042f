// Logger lives in @polecat/kit (shared by every package); re-exported here, part of app-lock's public API.
export {
  isLoggerLike,
  loggerOrStderr,
  silentLogger,
  stderrLogger,
  toLogger,
  type ConsoleLike,
  type LogContext,
  type Logger,
  type PinoLike,
  type StderrLoggerOptions,
} from '@polecat/kit';
