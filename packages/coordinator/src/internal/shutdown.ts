import { releaseOptionsFor } from './release-notice-reason';
import type { DrainingSetStatus } from '../coordinator-status';
import type { Coordination } from './coordination';
import type { CoordinatorLoop } from './loop/coordinator-loop';

/** How a stop ended: the sets still draining, and when the rest was released and closed. */
export interface Shutdown {
  readonly draining: readonly DrainingSetStatus[];
  /** Resolves once the last agent returned and the remaining locks and connections were released. Never rejects. */
  readonly settled: Promise<void>;
}

async function quietly(c: Coordination, what: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    c.logger.warn(`${what} failed`, { error });
    c.errors.record(error);
  }
}

async function closeAll(c: Coordination, releaseRest: boolean): Promise<void> {
  if (releaseRest) await quietly(c, 'releasing locks', () => c.distributor.releaseAll(releaseOptionsFor('stop')));
  await c.daemons.disposeAll();
  await quietly(c, 'disposing the distributor', () => c.distributor.dispose());
}

/**
 * The graceful stop: ends the loop and drops its wake sources, aborts every agent and waits for
 * them up to `stopDrainTimeoutMs` BEFORE it releases anything, releases the sets whose agents
 * returned, then (once no agent of a held set runs any more) the rest, the daemons and the
 * distributor. Resolves after the drain timeout at the latest; `settled` tells when all is done.
 */
export async function shutdown(c: Coordination | undefined, loop: CoordinatorLoop | undefined): Promise<Shutdown> {
  await loop?.close();
  if (c === undefined) return { draining: [], settled: Promise.resolve() };
  await c.ownership.stopAll('stop', true);
  const draining = c.ownership.draining();
  if (draining.length > 0) {
    // the ONE line of a stop that could not end its agents in time (the drains' watchdog stays quiet)
    c.logger.warn('stopped with agents still running past stopDrainTimeoutMs; their locks stay held until they return or the process ends', {
      timeoutMs: c.settings.stopDrainTimeoutMs,
      sets: draining.map((drain) => ({ set: drain.key, shards: drain.shards, since: drain.since })),
    });
  }
  // the rest (member slots, connections) only once no agent of a held set runs any more
  // (all drained in time: stopAll released everything at once)
  const settled = c.ownership.whenDrained().then(() => closeAll(c, draining.length > 0));
  if (draining.length === 0) await settled;
  await c.operations.dispose();
  return { draining, settled };
}
