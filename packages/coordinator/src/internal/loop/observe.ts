import type { ProjectionSet } from '@polecat/distributors';
import type { OwnershipIntents } from '../../ownership-intents';
import type { ClusterView } from '../../ownership-policy';
import type { Coordination } from '../coordination';
import type { ClusterObserver } from './cluster-observer';

/** One run of the loop (start or resume to pause or stop). */
export interface LoopRun {
  /** Aborted by pause and stop. */
  readonly signal: AbortSignal;
  /** Sends the membership probe for a policy with `usesMembership` (remembers free sets across cycles). */
  readonly cluster?: ClusterObserver;
}

/** A membership probe's answer and when it came (the server had freed the sets it lists free by then). */
export interface ProbeAnswer {
  readonly view: ClusterView;
  readonly answeredAt: number;
}

/** What a cycle saw before deciding anything. */
export interface Observation {
  /** Clock ms when the cycle began. */
  readonly startedAt: number;
  readonly sets: readonly ProjectionSet[];
  readonly intents?: OwnershipIntents;
  /** This cycle's membership probe, when one was sent and answered. */
  readonly cluster?: ClusterView;
  /** The probes' answers, the latest first (a contention retry adds one). */
  readonly probes: ProbeAnswer[];
  /** Some agent of this node was paused when the cycle planned. */
  readonly anyPaused: boolean;
}

/**
 * Step 1, observe (the cycle began at `startedAt`): build the distribution, read the operator intents, send the membership probe
 * (not while draining: it would take a member slot again) and announce newly paused agents.
 * Resolves `'failed'` when the distribution could not be built (logged and reported) and
 * `undefined` when the run was aborted.
 */
export async function observe(c: Coordination, run: LoopRun, startedAt: number): Promise<Observation | 'failed' | undefined> {
  const { distributor, logger, clock, errors } = c;
  const { signal } = run;
  let sets: readonly ProjectionSet[];
  try {
    sets = await distributor.buildDistribution(signal);
  } catch (error) {
    if (signal.aborted) return undefined;
    logger.error('building the distribution failed; retrying after the poll delay', { error });
    errors.report(error);
    c.operations.distributionFailed(error);
    return 'failed';
  }
  const intents = c.intents === undefined ? undefined : await c.intents.read(sets, signal);
  if (signal.aborted) return undefined;
  const draining = intents?.draining === true;
  c.operations.distributionBuilt(sets.length, draining);
  const cluster =
    !draining && c.policy?.usesMembership === true && run.cluster !== undefined
      ? await run.cluster.observe(distributor, sets, startedAt, logger, signal)
      : undefined;
  if (signal.aborted) return undefined;
  c.ownership.announcePaused();
  return {
    startedAt,
    sets,
    ...(intents === undefined ? {} : { intents }),
    ...(cluster === undefined ? {} : { cluster }),
    probes: cluster === undefined ? [] : [{ view: cluster, answeredAt: clock.now() }],
    anyPaused: c.daemons.anyPaused(),
  };
}
