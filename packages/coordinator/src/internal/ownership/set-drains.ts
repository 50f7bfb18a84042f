import type { ProjectionSet, ShardName } from '@polecat/distributors';
import type { AgentStopReason } from '../../coordinator-events';
import type { DrainingSetStatus } from '../../coordinator-status';
import type { ProjectionDaemon } from '../../projection-daemon';
import { CoalescedDeadline } from '../coalesced-deadline';
import type { CoordinatorServices } from '../coordination';
import { CoalescedReleases } from './coalesced-releases';

interface Drain {
  readonly set: ProjectionSet;
  readonly shards: readonly ShardName[];
  readonly reason: AgentStopReason;
  readonly since: number;
  /** Release the lock once every agent returned. */
  release: boolean;
  /** Identities of the agents that have not returned yet. */
  readonly running: Set<string>;
  overrun: boolean;
  done: Promise<void>;
}

/**
 * Drains begun in one tick (a stop of 10 000 sets, a lost connection) share ONE watchdog timer
 * and one overdue warning per interval, not one each.
 */
interface Batch {
  readonly drains: Set<Drain>;
  readonly cancel: AbortController;
}

/** At most this many set keys are listed in one overdue warning. */
const LISTED_SETS = 20;

/** Repeated "still running" warnings come at most this often (and never more often than the drain timeout). */
const MIN_WARNING_INTERVAL_MS = 1000;

/**
 * Sets whose agents were aborted here and have not all returned yet. A drain keeps the set's lock
 * until the last agent returned, then releases it (when asked): ownership ends only when the
 * agents have settled, however long they take. Past `stopDrainTimeoutMs` it reports the overrun
 * (`drainOverrun` event once, a warning at most once per interval) but never releases early.
 */
export class SetDrains {
  readonly #deps: CoordinatorServices;
  readonly #onSettled: () => void;
  readonly #drains = new Map<string, Drain>();
  readonly #deadline: CoalescedDeadline;
  readonly #releases: CoalescedReleases;
  #batch: Batch | undefined;

  /**
   * `onSettled`: a drain finished, its set may be attempted or started again (the coordinator wakes its loop).
   * `mayReleaseAll(due)`: the releases `due` in one tick may go as ONE `releaseAll` (a stop whose
   * sets all drained at once), provided no drain has an agent left running.
   */
  constructor(services: CoordinatorServices, onSettled: () => void, mayReleaseAll: (due: readonly ProjectionSet[]) => boolean = () => false) {
    this.#deps = services;
    this.#onSettled = onSettled;
    this.#deadline = new CoalescedDeadline(services.clock, services.settings.stopDrainTimeoutMs);
    this.#releases = new CoalescedReleases(services, (due) => this.#noneRunning() && mayReleaseAll(due));
  }

  /** True when no drain has an agent left running. */
  #noneRunning(): boolean {
    for (const drain of this.#drains.values()) if (drain.running.size > 0) return false;
    return true;
  }

  /** True when the last release was ONE `releaseAll` (see {@link CoalescedReleases.releasedAll}). */
  get releasedAll(): boolean {
    return this.#releases.releasedAll;
  }

  /** How many sets are draining. */
  get size(): number {
    return this.#drains.size;
  }

  isDraining(key: string): boolean {
    return this.#drains.has(key);
  }

  /**
   * Stops `shards` of `set` on `daemon` (already aborted through the set's signal; `stopAgent` is
   * called with `why`), waits until each has returned (`whenSettled` when the daemon has it), then
   * releases the lock if `release`. Resolves when all that is done; never rejects. A set already
   * draining keeps its drain (and is released at its end if either asked for it).
   */
  begin(
    set: ProjectionSet,
    reason: AgentStopReason,
    release: boolean,
    daemon: ProjectionDaemon | undefined,
    shards: readonly ShardName[],
    why: unknown,
  ): Promise<void> {
    const existing = this.#drains.get(set.key);
    if (existing !== undefined) {
      existing.release ||= release;
      return existing.done;
    }
    const drain: Drain = {
      set,
      shards,
      reason,
      since: this.#deps.clock.now(),
      release,
      running: new Set(shards.map((shard) => shard.identity)),
      overrun: false,
      done: Promise.resolve(),
    };
    this.#drains.set(set.key, drain);
    const batch = shards.length > 0 ? this.#joinBatch(drain) : undefined;
    drain.done = (async () => {
      await Promise.all(shards.map((shard) => this.#settle(drain, daemon!, shard, why)));
      if (batch !== undefined) {
        batch.drains.delete(drain);
        if (batch.drains.size === 0) batch.cancel.abort();
      }
      // this set's own agents returned: its lock goes now (with the releases due in the same tick)
      if (drain.release) await this.#releases.release(set, drain.reason);
      this.#drains.delete(set.key);
      if (drain.overrun) {
        this.#deps.logger.info('overdue agents returned', {
          set: set.key,
          lockId: set.lockId,
          afterMs: this.#deps.clock.now() - drain.since,
          released: drain.release,
        });
      }
      this.#onSettled();
    })();
    return drain.done;
  }

  #joinBatch(drain: Drain): Batch {
    let batch = this.#batch;
    if (batch === undefined) {
      const created: Batch = { drains: new Set(), cancel: new AbortController() };
      batch = created;
      this.#batch = created;
      queueMicrotask(() => {
        if (this.#batch === created) this.#batch = undefined; // later drains start their own
      });
      void this.#watch(created);
    }
    batch.drains.add(drain);
    return batch;
  }

  /** The drain of `key` (resolves once every agent returned and, if asked, the lock was released); `undefined` when not draining. */
  whenSettled(key: string): Promise<void> | undefined {
    return this.#drains.get(key)?.done;
  }

  async #settle(drain: Drain, daemon: ProjectionDaemon, shard: ShardName, why: unknown): Promise<void> {
    try {
      await daemon.stopAgent(shard, why);
    } catch (error) {
      this.#deps.logger.warn('stopping agent failed', { shard: shard.identity, error });
    }
    try {
      await daemon.whenSettled?.(shard);
    } catch (error) {
      this.#deps.logger.warn('waiting for an agent to return failed', { shard: shard.identity, error });
    }
    drain.running.delete(shard.identity);
    this.#deps.events.emit('agentStopped', { shard, database: drain.set.database, reason: drain.reason });
  }

  /**
   * Reports the batch's overruns at `stopDrainTimeoutMs` (one `drainOverrun` event per set), then
   * warns at most once per interval while any of its agents still runs (not for the drains of a
   * stop or a pause: those print one summary of their own).
   */
  async #watch(batch: Batch): Promise<void> {
    const { clock, logger, settings, events, distributor } = this.#deps;
    const interval = Math.max(settings.stopDrainTimeoutMs, MIN_WARNING_INTERVAL_MS);
    const signal = batch.cancel.signal;
    try {
      await clock.sleep(settings.stopDrainTimeoutMs, signal);
      for (const drain of batch.drains) {
        if (drain.running.size === 0) continue;
        drain.overrun = true;
        const pending = drain.shards.filter((shard) => drain.running.has(shard.identity));
        events.emit('drainOverrun', { set: drain.set, shards: pending, reason: drain.reason, since: drain.since, lockHeld: distributor.hasLock(drain.set) });
      }
      for (;;) {
        const running = [...batch.drains].filter((drain) => drain.running.size > 0);
        if (running.length === 0) return;
        // a stop or pause says it once in its own summary; the watchdog warns for the other drains
        const overdue = running.filter((drain) => drain.reason !== 'stop' && drain.reason !== 'pause');
        if (overdue.length === 0) return;
        const held = overdue.filter((drain) => distributor.hasLock(drain.set)).length;
        logger.warn('agents still running past stopDrainTimeoutMs; their sets keep their locks (or, when lost, are not started here) until they return', {
          sets: overdue.length,
          locksHeld: held,
          draining: overdue
            .slice(0, LISTED_SETS)
            .map((drain) => ({ set: drain.set.key, reason: drain.reason, shards: [...drain.running], runningForMs: clock.now() - drain.since })),
        });
        await clock.sleep(interval, signal);
      }
    } catch {
      // every drain of the batch ended (the watchdog was cancelled)
    }
  }

  /** Resolves once every drain that exists now has ended. Never rejects. */
  async whenIdle(): Promise<void> {
    while (this.#drains.size > 0) await Promise.all([...this.#drains.values()].map((drain) => drain.done));
  }

  /**
   * `work`, or `stopDrainTimeoutMs` if that comes first. Resolves `true` when `work` finished in time.
   * Waits begun in the same tick share one timer (stopping 10 000 sets arms one, not 10 000).
   */
  bounded(work: Promise<unknown>): Promise<boolean> {
    return this.#deadline.race(work);
  }

  status(): DrainingSetStatus[] {
    return [...this.#drains.values()].map((drain) => ({
      key: drain.set.key,
      lockId: drain.set.lockId,
      databaseId: drain.set.database.id,
      reason: drain.reason,
      since: drain.since,
      shards: [...drain.running],
      lockHeld: this.#deps.distributor.hasLock(drain.set),
      overrun: drain.overrun,
    }));
  }
}
