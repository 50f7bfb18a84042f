import { permanentLockError, type Logger } from '@polecat/app-lock';
import type { LockRoundTripEvent } from '@polecat/distributors';
import type { BackoffPolicy } from '../../backoff';
import { CoordinatorError } from '../../coordinator-error';
import type { CoordinatorEvents } from '../../coordinator-events';
import type { HealthReason } from '../../coordinator-health';
import { backoffDelay } from '../ownership/backoff';
import type { TypedEmitter } from '../typed-emitter';

interface Unreachable {
  readonly since: number;
  /** Consecutive cycles in which this database's round trips failed. */
  failures: number;
  error: CoordinatorError;
  /** Clock ms before which no further warning is logged (the log backs off with the retries). */
  nextReportAt: number;
}

/** A short one-line description (no stack): `AppLockError CONNECTION_FAILED: ...`. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`;
}

/**
 * Tracks which databases answer their lock round trips. A database whose round trips fail is
 * unreachable from its first failure until one succeeds; each retry step (one per cycle, the
 * steps backing off) is reported ONCE: one warning, one `databaseUnreachable` and one `error`
 * event, however many round trips of the cycle failed.
 */
export class DatabaseReachability {
  readonly #unreachable = new Map<string, Unreachable>();
  /** Round trips of the current cycle: database id -> failed (true) / answered (false). */
  readonly #cycle = new Map<string, unknown>();
  /** Lock host of the databases whose round trips go to a lock home (they are logged per home). */
  readonly #homeOf = new Map<string, string>();
  /** Lock homes whose databases answered again this cycle: home -> databases, longest outage. */
  readonly #recovered = new Map<string, { databases: number; unreachableForMs: number; failures: number }>();
  readonly #events: TypedEmitter<CoordinatorEvents>;
  readonly #logger: Logger;
  readonly #policy: () => BackoffPolicy;
  /** Called at once when a round trip fails in a way no retry fixes (`start()` rejects with it). */
  readonly #onRefused: (error: CoordinatorError) => void;

  constructor(
    events: TypedEmitter<CoordinatorEvents>,
    logger: Logger,
    policy: () => BackoffPolicy,
    onRefused: (error: CoordinatorError) => void = () => undefined,
  ) {
    this.#events = events;
    this.#logger = logger;
    this.#policy = policy;
    this.#onRefused = onRefused;
  }

  /** One round trip's outcome (from the distributor's `onLockRoundTrip`). */
  observe(event: LockRoundTripEvent, now: number): void {
    if (event.lockHost === undefined) this.#homeOf.delete(event.databaseId);
    else this.#homeOf.set(event.databaseId, event.lockHost);
    if (event.error === undefined) {
      if (!this.#cycle.has(event.databaseId)) this.#cycle.set(event.databaseId, undefined);
      const was = this.#unreachable.get(event.databaseId);
      if (was !== undefined) {
        this.#unreachable.delete(event.databaseId);
        if (event.lockHost === undefined) {
          this.#logger.info('database reachable again', { database: event.databaseId, unreachableForMs: now - was.since, failures: was.failures });
        } else {
          // one line per lock home (its databases answer together), at the end of the cycle
          const home = this.#recovered.get(event.lockHost) ?? { databases: 0, unreachableForMs: 0, failures: 0 };
          home.databases += 1;
          home.unreachableForMs = Math.max(home.unreachableForMs, now - was.since);
          home.failures = Math.max(home.failures, was.failures);
          this.#recovered.set(event.lockHost, home);
        }
        this.#events.emit('databaseReachable', { databaseId: event.databaseId, unreachableForMs: now - was.since });
      }
    } else {
      this.#cycle.set(event.databaseId, event.error);
      const refused = failureError(event.databaseId, event.error);
      if (refused.code === 'DATABASE_REFUSED') this.#onRefused(refused);
    }
  }

  /** Whether a round trip to this database failed in the current cycle. */
  failedThisCycle(databaseId: string): boolean {
    return this.#cycle.get(databaseId) !== undefined;
  }

  /** The databases whose round trips failed in the current (not yet ended) cycle, with their typed errors (for fail-fast). */
  failuresThisCycle(): readonly { readonly databaseId: string; readonly error: CoordinatorError }[] {
    return [...this.#cycle].flatMap(([databaseId, cause]) => (cause === undefined ? [] : [{ databaseId, error: failureError(databaseId, cause) }]));
  }

  /** Unreachable database ids (for fail-fast). */
  unreachableIds(): readonly string[] {
    return [...this.#unreachable.keys()];
  }

  /** The error recorded for an unreachable database. */
  errorOf(databaseId: string): CoordinatorError | undefined {
    return this.#unreachable.get(databaseId)?.error;
  }

  /**
   * Ends a cycle: records its failures, reports each failing database once per retry step, and
   * returns the longest retry step when every database this cycle talked to failed (nothing else to
   * do until one answers), else `undefined`.
   */
  endCycle(now: number): number | undefined {
    for (const [lockHost, home] of this.#recovered) this.#logger.info('lock home reachable again', { lockHost, ...home });
    this.#recovered.clear();
    if (this.#cycle.size === 0) return undefined;
    let anyAnswered = false;
    let longest = 0;
    const failed: Unreachable[] = [];
    /** Databases of a lock home due for a report this step: ONE warning per home, not one per database. */
    const homes = new Map<string, { databases: number; failures: number; retryInMs: number; unreachableForMs: number; cause: string }>();
    for (const [databaseId, cause] of this.#cycle) {
      if (cause === undefined) {
        anyAnswered = true;
        continue;
      }
      let entry = this.#unreachable.get(databaseId);
      const error = failureError(databaseId, cause);
      if (entry === undefined) {
        entry = { since: now, failures: 0, error, nextReportAt: now };
        this.#unreachable.set(databaseId, entry);
      }
      entry.failures += 1;
      entry.error = error;
      failed.push(entry);
      const retryInMs = backoffDelay(this.#policy(), entry.failures);
      longest = Math.max(longest, retryInMs);
      if (now >= entry.nextReportAt) {
        entry.nextReportAt = now + retryInMs;
        const lockHost = this.#homeOf.get(databaseId);
        if (error.code === 'DATABASE_REFUSED') {
          this.#logger.error('database refused the lock connection; no retry fixes it', {
            database: databaseId,
            failures: entry.failures,
            retryInMs,
            cause: describeFailure(cause),
            fix: error.message,
          });
        } else if (lockHost === undefined) {
          this.#logger.warn('database unreachable; retrying with backoff', {
            database: databaseId,
            failures: entry.failures,
            retryInMs,
            unreachableForMs: now - entry.since,
            cause: describeFailure(cause),
          });
        } else {
          const home = homes.get(lockHost) ?? { databases: 0, failures: 0, retryInMs: 0, unreachableForMs: 0, cause: describeFailure(cause) };
          home.databases += 1;
          home.failures = Math.max(home.failures, entry.failures);
          home.retryInMs = Math.max(home.retryInMs, retryInMs);
          home.unreachableForMs = Math.max(home.unreachableForMs, now - entry.since);
          homes.set(lockHost, home);
        }
        this.#events.emit('databaseUnreachable', { databaseId, error, since: entry.since, failures: entry.failures, retryInMs });
        this.#events.emit('error', { error });
      }
    }
    for (const [lockHost, home] of homes) this.#logger.warn('lock home unreachable; retrying with backoff', { lockHost, ...home });
    this.#cycle.clear();
    if (anyAnswered || failed.length === 0) return undefined;
    return longest;
  }

  /** Health reasons: unhealthy when no database answers or one refuses for good, degraded when some do not answer. */
  reasons(knownDatabases: number): HealthReason[] {
    const all = this.#unreachable.size >= Math.max(1, knownDatabases);
    return [...this.#unreachable.entries()].map(([databaseId, entry]) => ({
      code: entry.error.code === 'DATABASE_REFUSED' ? ('DATABASE_REFUSED' as const) : ('DATABASE_UNREACHABLE' as const),
      status: all || entry.error.code === 'DATABASE_REFUSED' ? ('unhealthy' as const) : ('degraded' as const),
      message:
        entry.error.code === 'DATABASE_REFUSED' ? entry.error.message : `database ${databaseId} unreachable for its locks (${entry.failures} failed cycles)`,
      since: entry.since,
      databaseId,
      error: entry.error,
    }));
  }
}

/**
 * The typed failure of a database's round trip: `DATABASE_REFUSED` (saying what to fix) when the
 * lock error is permanent (see `permanentLockError`), else `DATABASE_UNREACHABLE` (retried).
 */
export function failureError(databaseId: string, cause: unknown): CoordinatorError {
  const permanent = permanentLockError(cause);
  if (permanent !== undefined) {
    return new CoordinatorError(
      'DATABASE_REFUSED',
      `database ${databaseId} refused its lock connection (${describeFailure(permanent.error)}): ${permanent.fix}`,
      { cause },
    );
  }
  return new CoordinatorError('DATABASE_UNREACHABLE', `database ${databaseId} is unreachable for its locks: ${describeFailure(cause)}`, { cause });
}
