import type { Logger } from '@polecat/app-lock';
import type { ProjectionSet } from '@polecat/distributors';
import type { OwnershipIntentSource, OwnershipIntents } from '../../ownership-intents';

/** Until the first successful read: take nothing (a paused shard must not start on a node that could not read the pause). */
const NOT_YET_READ: OwnershipIntents = Object.freeze({ paused: new Set<string>(), draining: true });

/**
 * Reads an {@link OwnershipIntentSource} once per cycle; a failed read keeps the last intents in
 * force, and before the first successful one the node takes no set.
 */
export class IntentReader {
  readonly #source: OwnershipIntentSource;
  readonly #logger: Logger;
  #last: OwnershipIntents = NOT_YET_READ;
  #failing = false;
  /** Set once a draining node released its member slots (cleared when the drain ends). */
  leftMembership = false;

  constructor(source: OwnershipIntentSource, logger: Logger) {
    this.#source = source;
    this.#logger = logger;
  }

  /** The drain ended (or none): the next probe takes a member slot again. */
  rejoined(): void {
    this.leftMembership = false;
  }

  async read(distribution: readonly ProjectionSet[], signal: AbortSignal): Promise<OwnershipIntents> {
    try {
      this.#last = await this.#source.read({ distribution, signal });
      if (this.#failing) this.#logger.info('ownership intents readable again');
      this.#failing = false;
    } catch (error) {
      if (!signal.aborted) {
        // once per outage at warn level, then debug: a database outage must not flood the log
        if (this.#failing) this.#logger.debug('reading ownership intents failed again; the last ones stay in force', { error });
        else this.#logger.warn('reading ownership intents failed; the last ones stay in force', { error });
        this.#failing = true;
      }
    }
    return this.#last;
  }
}
