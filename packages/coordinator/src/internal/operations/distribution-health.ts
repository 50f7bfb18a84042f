import type { HealthReason } from '../../coordinator-health';
import { describeFailure } from './database-reachability';

/**
 * What the last cycle's distribution says about whether this node can do anything: building it
 * failed (`DISTRIBUTION_FAILING`, unhealthy: e.g. a `databases` function that throws), it is empty
 * (`NOTHING_TO_OWN`, degraded: no database or no shard, so nothing ever runs), or an operator drains
 * this node (`NODE_DRAINING`, degraded: it gives its sets away and takes none).
 */
export class DistributionHealth {
  #failure: { readonly since: number; error: unknown; failures: number } | undefined;
  #emptySince: number | undefined;
  #drainingSince: number | undefined;

  /** A cycle built its distribution: `sets` sets, `draining` when an operator drains this node. */
  built(sets: number, draining: boolean, now: number): void {
    this.#failure = undefined;
    this.#emptySince = sets === 0 ? (this.#emptySince ?? now) : undefined;
    this.#drainingSince = draining ? (this.#drainingSince ?? now) : undefined;
  }

  /** Building the distribution failed. */
  failed(error: unknown, now: number): void {
    const failures = (this.#failure?.failures ?? 0) + 1;
    this.#failure = { since: this.#failure?.since ?? now, error, failures };
  }

  reasons(): HealthReason[] {
    const reasons: HealthReason[] = [];
    if (this.#failure !== undefined) {
      const { since, error, failures } = this.#failure;
      reasons.push({
        code: 'DISTRIBUTION_FAILING',
        status: 'unhealthy',
        message: `building the distribution failed ${failures} time(s) in a row: ${describeFailure(error)}`,
        since,
        error,
        count: failures,
      });
    }
    if (this.#emptySince !== undefined) {
      reasons.push({
        code: 'NOTHING_TO_OWN',
        status: 'degraded',
        message: 'the distribution is empty (no database or no shard): nothing can run on any node',
        since: this.#emptySince,
      });
    }
    if (this.#drainingSince !== undefined) {
      reasons.push({
        code: 'NODE_DRAINING',
        status: 'degraded',
        message: 'an operator drains this node: it gives its sets away and takes none',
        since: this.#drainingSince,
      });
    }
    return reasons;
  }
}
