import type { EpochSource } from '@polecat/coordinator';
import type { ProjectionSet } from '@polecat/distributors';

/** Fencing epochs kept next to the simulated database: one counter per set, only growing. */
export class SimEpochStore implements EpochSource {
  readonly #epochs = new Map<string, bigint>();

  async nextEpoch(set: ProjectionSet): Promise<bigint> {
    const next = (this.#epochs.get(set.key) ?? 0n) + 1n;
    this.#epochs.set(set.key, next);
    return next;
  }

  /** The latest epoch handed out for `setKey` (0 when never granted). */
  latest(setKey: string): bigint {
    return this.#epochs.get(setKey) ?? 0n;
  }
}
