import { systemClock, type Clock } from '../clock';
import { AppLockError } from '../errors';
import { silentLogger, type Logger } from '../logger';

/** Options shared by every session-based lock owner. */
export interface SessionAppLockOptions {
  /**
   * How often the held locks are verified with the server (one round trip, only while something
   * is held). Catches losses no socket event reports. `0` disables. Default `2000` ms.
   */
  readonly verifyIntervalMs?: number;
  /**
   * How long any request may take before the connection is considered stalled: it is given up
   * (destroyed, or first held open for `LockLostEvent.hold` work, see `lostSessionHoldMs`) and
   * every held lock is marked lost (`verification-timeout`). Default `5000` ms.
   */
  readonly requestTimeoutMs?: number;
  /**
   * The longest a LOST session's connection is kept open for {@link LockLostEvent.hold} work
   * (see "A lost session is held open until its agents returned" in the README): when this side
   * gives up a session the server may still consider alive (a request or verification timed out, a
   * release or a state check failed), the locks are announced lost at once but the socket stays
   * open, sending nothing, until every listener's `hold` work settled or this limit passed,
   * whichever comes first; then it is destroyed. Meanwhile the server keeps the locks on the old
   * session, so no other owner is granted them while the aborted work still runs. Use the
   * server's release time of a silent client (its keepalive budget): past it a partitioned
   * server frees the locks anyway. `0`: destroy at once (no hold). Default `30000` ms
   * (`PostgresAppLock`: its `serverKeepAlive` budget; `SqlServerAppLock`: `serverKeepAliveMs`).
   */
  readonly lostSessionHoldMs?: number;
  /** Where warnings (losses, failed releases) go. Default: silent. */
  readonly logger?: Logger;
  /** Time source for timers. Default: {@link systemClock}. */
  readonly clock?: Clock;
}

/** {@link SessionAppLockOptions} with every default applied and every number checked. */
export interface ResolvedSessionOptions {
  readonly verifyIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly lostSessionHoldMs: number;
  readonly logger: Logger;
  readonly clock: Clock;
}

/** Default of {@link SessionAppLockOptions.verifyIntervalMs}. */
const DEFAULT_VERIFY_INTERVAL_MS = 2000;
/** Default of {@link SessionAppLockOptions.requestTimeoutMs}. */
const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
/** Default of {@link SessionAppLockOptions.lostSessionHoldMs}. */
const DEFAULT_LOST_SESSION_HOLD_MS = 30_000;

/**
 * Applies the defaults of `options` and checks its numbers.
 * @throws AppLockError `INVALID_CONFIGURATION` for a negative, infinite or non-number setting.
 */
export function resolveSessionOptions(options: SessionAppLockOptions): ResolvedSessionOptions {
  const verifyIntervalMs = options.verifyIntervalMs ?? DEFAULT_VERIFY_INTERVAL_MS;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const lostSessionHoldMs = options.lostSessionHoldMs ?? DEFAULT_LOST_SESSION_HOLD_MS;
  if (!Number.isFinite(lostSessionHoldMs) || lostSessionHoldMs < 0) {
    throw new AppLockError('INVALID_CONFIGURATION', `lostSessionHoldMs must be a finite number >= 0, got ${lostSessionHoldMs}`);
  }
  if (!Number.isFinite(verifyIntervalMs) || verifyIntervalMs < 0) {
    throw new AppLockError('INVALID_CONFIGURATION', `verifyIntervalMs must be a finite number >= 0, got ${verifyIntervalMs}`);
  }
  if (!Number.isFinite(requestTimeoutMs) || requestTimeoutMs <= 0) {
    throw new AppLockError('INVALID_CONFIGURATION', `requestTimeoutMs must be a finite number > 0, got ${requestTimeoutMs}`);
  }
  return { verifyIntervalMs, requestTimeoutMs, lostSessionHoldMs, logger: options.logger ?? silentLogger, clock: options.clock ?? systemClock };
}
