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

async function closeAll(c: Coordination): Promise<void> {
  // (the sets went one by one, or some lock was won meanwhile: release the rest; not after ONE releaseAll)
  if (!c.ownership.releasedAll()) await quietly(c, 'releasing locks', () => c.distributor.releaseAll(releaseOptionsFor('stop')));
  await c.daemons.disposeAll();
  await quietly(c, 'disposing the distributor', () => c.distributor.dispose());
}

/** Releases this node's member slots (distributors with `leaveMembership`); never rejects. */
function leaveMembership(c: Coordination): Promise<void> {
  const leave = c.distributor.leaveMembership?.bind(c.distributor);
  return leave === undefined ? Promise.resolve() : quietly(c, 'leaving the membership', leave);
}

/**
 * The graceful stop: ends the loop (its running cycle is aborted at once) and, in the same instant,
 * aborts every agent, those of sets being handed over included, and leaves the membership (the
 * other nodes share its sets out as they come free); each set's lock is released the
 * moment its own agents returned, never before. Waits for the agents up to `stopDrainTimeoutMs`
 * (ONE timeout: the cycle is not waited for first), then (once no agent of a held set runs any more)
 * releases the rest and closes the daemons and the distributor. Resolves after the drain timeout at
 * the latest; `settled` tells when all is done.
 */
export async function shutdown(c: Coordination | undefined, loop: CoordinatorLoop | undefined): Promise<Shutdown> {
  const closed = loop?.close(); // aborts the running cycle synchronously
  if (c === undefined) {
    await closed;
    return { draining: [], settled: Promise.resolve() };
  }
  // (the cycle starts nothing once the lifetime signal is aborted, which stopAll does first)
  const stopping = c.ownership.stopAll('stop', true);
  // Out of the membership first (set locks kept): the set released first, the moment its agents
  // returned, is taken by a node that already counts the others without this one (at its share
  // otherwise, it would take it only as an orphan). Not waited for by the stop itself.
  const leaving = leaveMembership(c);
  await Promise.all([closed, stopping]);
  const draining = c.ownership.draining();
  if (draining.length > 0) {
    // the ONE line of a stop that could not end its agents in time (the drains' watchdog stays quiet)
    c.logger.warn('stopped with agents still running past stopDrainTimeoutMs; their locks stay held until they return or the process ends', {
      timeoutMs: c.settings.stopDrainTimeoutMs,
      sets: draining.map((drain) => ({ set: drain.key, shards: drain.shards, since: drain.since })),
    });
  }
  // the rest (member slots, connections) only once no agent of a held set runs any more
  // (every set drained at once: stopAll released everything in ONE releaseAll, no second round trip)
  const settled = Promise.all([c.ownership.whenDrained(), leaving]).then(() => closeAll(c));
  if (draining.length === 0) await settled;
  await c.operations.dispose();
  return { draining, settled };
}
