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
  await quietly(c, 'releasing locks', () => c.distributor.releaseAll());
  await c.daemons.disposeAll();
  await quietly(c, 'disposing the distributor', () => c.distributor.dispose());
}

/**
 * The graceful stop: aborts every agent at once, ends the loop and drops its wake sources, leaves
 * the membership (member slots released, set locks kept) while it waits for the agents up to
 * `stopDrainTimeoutMs`, releasing each set's lock the moment its own agents returned,
 * then (once no agent of a held set runs any more) the rest, the daemons and the distributor.
 * Resolves after one drain timeout at the latest; `settled` tells when all is done.
 */
export async function shutdown(c: Coordination | undefined, loop: CoordinatorLoop | undefined): Promise<Shutdown> {
  // every agent aborted first: the running cycle is never waited for before the agents hear of the stop
  c?.ownership.abortAll('stop');
  await loop?.close();
  if (c === undefined) return { draining: [], settled: Promise.resolve() };
  // out of the membership first (as a drain): the others count the nodes without this one from the
  // first set it frees, and take each set as it is released instead of after an orphan grace
  // (alongside the drain, not waited for by it: a slow database never makes stop() longer than one stopDrainTimeoutMs)
  const leave = c.distributor.leaveMembership?.bind(c.distributor);
  const left = leave === undefined ? Promise.resolve() : quietly(c, 'leaving the membership', leave);
  await c.ownership.stopAll('stop', true);
  const draining = c.ownership.draining();
  if (draining.length > 0) {
    c.logger.warn('stopped with agents still running; their locks stay held until they return or the process ends', {
      sets: draining.map((drain) => ({ set: drain.key, shards: drain.shards, since: drain.since })),
    });
  }
  // each set was released as its own agents returned; the rest (member slots, connections) only
  // once no agent of a held set runs any more
  const settled = Promise.all([left, c.ownership.whenDrained()]).then(() => closeAll(c));
  if (draining.length === 0) await settled;
  await c.operations.dispose();
  return { draining, settled };
}
