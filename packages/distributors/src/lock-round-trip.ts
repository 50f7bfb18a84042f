/** The batched lock operations a locking distributor sends, one round trip per lock owner each (a database's own, or a lock home). */
export const LOCK_ROUND_TRIP_OPERATIONS = ['attain', 'probe', 'confirm'] as const;
/** One of {@link LOCK_ROUND_TRIP_OPERATIONS}. */
export type LockRoundTripOperation = (typeof LOCK_ROUND_TRIP_OPERATIONS)[number];

/**
 * One lock round trip to one database (see `ProjectionDistributor.onLockRoundTrip`): a batched
 * attempt (`tryAttainLocks`), a membership probe (`probeLocks`) or a confirmation of held locks
 * (`verifyLocks`, see `ProjectionDistributor.confirmHeld`). `error` is set when it failed
 * (the database is unreachable or refused): the distributor then treats that database's sets as
 * not held for this cycle, as always.
 */
export interface LockRoundTripEvent {
  readonly databaseId: string;
  /**
   * Set when the round trip went to a lock home (`createHomeLock`): ONE request served every database
   * of that lock host, and one event is reported per database (same duration, same outcome). Count
   * requests per `lockHost`, not events.
   */
  readonly lockHost?: string;
  readonly operation: LockRoundTripOperation;
  /** Clock ms the request took (until the answer or the failure). */
  readonly durationMs: number;
  /** The failure (usually an `AppLockError`, e.g. `CONNECTION_FAILED`); absent on success. */
  readonly error?: unknown;
}
