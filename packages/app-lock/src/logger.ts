// Logger lives in @polecat/kit (shared by every package); re-exported here, part of app-lock's public API.
export { silentLogger, toLogger, type ConsoleLike, type LogContext, type Logger, type PinoLike } from '@polecat/kit';
