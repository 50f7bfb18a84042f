import type { Clock } from '../clock';
import type { LockLossReason } from '../errors';
import type { Logger } from '../logger';
import type { BoundedRequests } from './bounded-request';
import type { HeldLock, HeldLocks } from './held-locks';
import type { LockSession, LockSessionDriver } from './lock-session';
import type { SessionConnection } from './session-connection';

/**
 * The parts of a `SessionAppLock` its operations (`batch-acquire`, `wait-loop`, `held-round-trips`) work with; the
 * owner builds it once.
 */
export interface SessionParts<Key> {
  readonly driver: LockSessionDriver<Key>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly requestTimeoutMs: number;
  readonly held: HeldLocks<Key>;
  readonly connection: SessionConnection<Key>;
  readonly requests: BoundedRequests<Key>;
  /** Gives `session` up (its held ids are lost). */
  dropSession(session: LockSession<Key>, reason: LockLossReason, cause: unknown): void;
  /** Releases entries granted to a caller who gave up meanwhile. */
  releaseHeld(entries: readonly HeldLock<Key>[]): Promise<void>;
  /** Marks `entries` lost (aborts their signals, tells the listeners); returns their `hold` work. */
  markLost(entries: readonly HeldLock<Key>[], reason: LockLossReason, cause: unknown): PromiseLike<unknown>[];
  /** Called after a grant (starts periodic verification). */
  onGranted(): void;
}
