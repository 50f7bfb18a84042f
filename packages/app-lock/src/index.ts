export type { AppLock, AppLockStats, AttainOptions, LockLostEvent, WaitForLockOptions } from './app-lock';
export { systemClock, type Clock, type SleepOptions } from './clock';
export {
  APP_LOCK_ERROR_CODES,
  AppLockError,
  LOCK_LOSS_REASONS,
  LockLostError,
  type AppLockErrorCode,
  type AppLockErrorOptions,
  type LockLossReason,
} from './errors';
export { permanentLockError } from './permanent-errors';
export { PolecatError, isPolecatError, type PolecatErrorOptions } from '@polecat/kit';
export { assertLockId, isLockId, type LockId } from './lock-id';
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
} from './logger';
export { InMemoryAppLock, type InMemoryAppLockOptions } from './memory/in-memory-app-lock';
export { InMemoryLockServer, type InMemoryLockServerOptions } from './memory/in-memory-lock-server';
export {
  ACCEPTED_CONNECTION_FORMS,
  CONNECTION_BACKENDS,
  CONNECTION_STRING_FORMS,
  connectionStringBackend,
  connectionStringForm,
  LIBPQ_KEYWORDS,
  type ConnectionBackend,
  type ConnectionBackendSpec,
  type ConnectionStringForm,
} from './connection-form';
export { redactConnectionString } from './redact';
export { releaseNoticeOf, releaseReasonOf, type ReleaseNotice, type ReleaseOptions } from './release-notice';
export type { LockSession, LockSessionDriver } from './session/lock-session';
export { SessionAppLock } from './session/session-app-lock';
export type { SessionAppLockOptions } from './session/session-options';
export { LockHoldClosedError } from './session/lock-hold-closed-error';
export { checkLockTiming, enforceLockTiming, type LockTimingInput, type LockTimingVerdict } from './timing-rule';
export { lead, type LeadOptions, type LeaderTask } from './lead';
export { withLock, type WithLockOptions, type WithLockResult } from './with-lock';
