import type { ProjectionSet } from '@polecat/distributors';
import type { AgentStopReason } from '../../coordinator-events';
import type { CoordinatorServices } from '../coordination';
import { releaseOptionsFor } from '../release-notice-reason';

/** At most this many set keys are listed in the warning of a failed batch release. */
const LISTED_SETS = 20;

interface DueRelease {
  readonly set: ProjectionSet;
  readonly reason: AgentStopReason | undefined;
  readonly resolve: () => void;
}

/**
 * The releases of sets whose agents have just returned. Each set is released as soon as ITS own
 * agents returned (never waiting for other sets'); releases that become due in the same tick go out
 * together: as ONE `releaseAll` when `mayReleaseAll` says so for them (a stop whose agents all
 * returned at once, nothing else running), else as ONE `releaseSets` per release notice reason (one
 * round trip per lock owner) when the distributor has it, else one release per set, all sent at once.
 */
export class CoalescedReleases {
  readonly #deps: CoordinatorServices;
  readonly #mayReleaseAll: (due: readonly ProjectionSet[]) => boolean;
  #due: DueRelease[] = [];
  #releasedAll = false;

  /** `mayReleaseAll(due)`: true when releasing `due` may release every lock this node holds instead. */
  constructor(services: CoordinatorServices, mayReleaseAll: (due: readonly ProjectionSet[]) => boolean) {
    this.#deps = services;
    this.#mayReleaseAll = mayReleaseAll;
  }

  /** True once a `releaseAll` went out (and no single release since): nothing is left to release. */
  get releasedAll(): boolean {
    return this.#releasedAll;
  }

  /** Releases `set` with the releases due in the same tick; resolves once it was sent. Never rejects. */
  release(set: ProjectionSet, reason: AgentStopReason | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#due.push({ set, reason, resolve });
      if (this.#due.length === 1) setImmediate(() => void this.#flush());
    });
  }

  async #flush(): Promise<void> {
    const due = this.#due;
    this.#due = [];
    if (this.#mayReleaseAll(due.map((entry) => entry.set))) await this.#releaseAll(due);
    else if (this.#deps.distributor.releaseSets === undefined) await Promise.all(due.map((entry) => this.#releaseOne(entry)));
    else await Promise.all(byNoticeReason(due).map((group) => (group.length === 1 ? this.#releaseOne(group[0]!) : this.#releaseSets(group))));
    for (const entry of due) entry.resolve();
  }

  async #releaseAll(due: readonly DueRelease[]): Promise<void> {
    const { distributor, events, logger, errors } = this.#deps;
    try {
      await distributor.releaseAll(releaseOptionsFor(due[0]?.reason));
      this.#releasedAll = true;
      for (const { set, reason } of due) events.emit('lockReleased', reason === undefined ? { set } : { set, reason });
    } catch (error) {
      logger.warn('releasing locks failed', { error });
      errors.record(error);
    }
  }

  async #releaseSets(due: readonly DueRelease[]): Promise<void> {
    const { distributor, events, logger, errors } = this.#deps;
    this.#releasedAll = false;
    try {
      await distributor.releaseSets!(
        due.map((entry) => entry.set),
        releaseOptionsFor(due[0]!.reason),
      );
      for (const { set, reason } of due) events.emit('lockReleased', reason === undefined ? { set } : { set, reason });
    } catch (error) {
      logger.warn('releasing sets failed', { sets: due.length, keys: due.slice(0, LISTED_SETS).map((entry) => entry.set.key), error });
      errors.record(error);
    }
  }

  async #releaseOne({ set, reason }: DueRelease): Promise<void> {
    const { distributor, events, logger, errors } = this.#deps;
    this.#releasedAll = false;
    try {
      await distributor.release(set, releaseOptionsFor(reason));
      events.emit('lockReleased', reason === undefined ? { set } : { set, reason });
    } catch (error) {
      logger.warn('releasing set failed', { set: set.key, lockId: set.lockId, error });
      errors.record(error);
    }
  }
}

/** `due` grouped by the reason its release notice carries (one `releaseSets` each; a stop has one). */
function byNoticeReason(due: readonly DueRelease[]): DueRelease[][] {
  const groups = new Map<string | undefined, DueRelease[]>();
  for (const entry of due) {
    const reason = releaseOptionsFor(entry.reason).reason;
    const group = groups.get(reason);
    if (group === undefined) groups.set(reason, [entry]);
    else group.push(entry);
  }
  return [...groups.values()];
}
