import { releaseOptionsFor } from '../release-notice-reason';
import type { ProjectionSet } from '@polecat/distributors';
import type { Coordination } from '../coordination';
import type { LoopRun, Observation } from './observe';
import { plan as planFrom } from './plan';
import type { CyclePlan } from './plan-cycle';

/** What the cycle's lock attempts won. */
export interface Attempted {
  /** Every set attempted (the batch, then the contention retry). */
  readonly attempted: readonly ProjectionSet[];
  /** Keys of the sets granted (and kept). */
  readonly granted: ReadonlySet<string>;
  /** Clock ms of the last grant. */
  readonly grantedAt: number;
}

/** Releases the grants beyond `keep` (in attempt order) before any agent starts; resolves with the kept keys. */
async function releaseSurplus(c: Coordination, attempt: readonly ProjectionSet[], granted: ReadonlySet<string>, keep: number): Promise<ReadonlySet<string>> {
  const won = attempt.filter((set) => granted.has(set.key));
  if (won.length <= keep) return granted;
  const surplus = won.slice(keep);
  await Promise.all(
    surplus.map((set) =>
      c.distributor.release(set, releaseOptionsFor('balance')).catch((error: unknown) => {
        c.logger.warn('releasing a surplus grant failed', { set: set.key, error });
        c.errors.report(error, set);
      }),
    ),
  );
  return new Set(won.slice(0, keep).map((set) => set.key));
}

/**
 * One batched `tryAttainMany`: the keys granted, `'failed'` (logged and reported; retried next
 * cycle) or `undefined` when the run was aborted.
 */
async function tryAttain(c: Coordination, sets: readonly ProjectionSet[], signal: AbortSignal): Promise<ReadonlySet<string> | 'failed' | undefined> {
  try {
    return await c.distributor.tryAttainMany(sets, { signal });
  } catch (error) {
    if (signal.aborted) return undefined;
    c.logger.warn('lock attempt failed; retrying next cycle', { sets: sets.length, error });
    c.errors.report(error);
    return 'failed';
  }
}

/**
 * Step 4, attempt: try every planned set in ONE batch. On contention (some sets won, others lost
 * to nodes attempting at the same instant, e.g. the survivors of a crash, all woken together) look
 * again AT ONCE, before the takeover grace, and attempt what the fresh probe shows still free (at
 * most once per cycle); the sets won then wait out the same grace from their own grant. Grants
 * beyond the policy's `keepAtMost` are released at once. Resolves `undefined` when aborted.
 */
export async function attempt(c: Coordination, run: LoopRun, observed: Observation, plan: CyclePlan): Promise<Attempted | undefined> {
  const { clock, distributor, logger } = c;
  const { signal } = run;
  let granted: ReadonlySet<string> = new Set();
  let grantedAt = clock.now();
  if (plan.attempt.length > 0 && !signal.aborted) {
    const won = await tryAttain(c, plan.attempt, signal);
    if (won === undefined) return undefined;
    if (won !== 'failed') {
      granted = won;
      grantedAt = clock.now();
    }
  }
  let attempted: readonly ProjectionSet[] = plan.attempt;
  if (
    observed.cluster !== undefined &&
    run.cluster !== undefined &&
    plan.keepAtMost === undefined &&
    granted.size > 0 &&
    granted.size < plan.attempt.length &&
    !signal.aborted
  ) {
    const again = await run.cluster.observe(distributor, observed.sets, clock.now(), logger, signal);
    if (signal.aborted) return undefined;
    if (again !== undefined) {
      observed.probes.unshift({ view: again, answeredAt: clock.now() }); // the latest answer first
      const tried = new Set(plan.attempt.map((set) => set.key));
      const retry = planFrom(c, observed, again, clock.now()).attempt.filter((set) => !tried.has(set.key));
      if (retry.length > 0) {
        const more = await tryAttain(c, retry, signal);
        if (more === undefined) return undefined;
        if (more !== 'failed') {
          grantedAt = clock.now();
          granted = new Set([...granted, ...more]);
          attempted = [...plan.attempt, ...retry];
        }
      }
    }
  }
  if (plan.keepAtMost !== undefined) granted = await releaseSurplus(c, plan.attempt, granted, plan.keepAtMost);
  return { attempted, granted, grantedAt };
}
