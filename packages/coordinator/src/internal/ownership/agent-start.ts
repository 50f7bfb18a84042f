import type { ProjectionSet } from '@polecat/distributors';
import { CoordinatorError } from '../../coordinator-error';
import type { StartAction } from '../loop/plan-cycle';
import { describeSet } from '../describe-set';
import type { SetOwnership } from './set-ownership';

/**
 * Acquires `set` (if needed) and starts the agents of `actions` with the set's one signal; a
 * failure backs the set off (and, with `releaseOnStartFailure`, hands it over). Never rejects.
 */
export async function startAgents(ownership: SetOwnership, set: ProjectionSet, actions: readonly StartAction[]): Promise<void> {
  // (planCycle never asks for a draining set; a new run must never start next to an old one)
  if (ownership.isDraining(set)) return;
  const { daemons, events } = ownership.services;
  try {
    await ownership.acquire(set);
    const owned = ownership.entry(set.key);
    if (owned === undefined) return;
    // Lock losses reach the set through the distributor's onSetsLost (-> lost-sets -> stopSet), and
    // a stop through stopAll, both aborting owned.controller: no per-set lockSignal subscription.
    // Still tracked but aborted: a daemon stopped the one-shard set's agent through the controller
    // it was handed (see AgentStartContext.controller); restarting needs a fresh signal.
    if (owned.controller.signal.aborted && ownership.entry(set.key) === owned && !ownership.lifetime.aborted) owned.controller = new AbortController();
    const signal = owned.controller.signal;
    const daemon = daemons.get(set.database);
    for (const action of actions) {
      if (signal.aborted || ownership.lifetime.aborted) return;
      // A one-shard set's signal is its agent's alone: hand its controller over (one signal per agent).
      const controller = set.names.length === 1 ? { controller: owned.controller } : {};
      const progress = ownership.hooks.progressFor?.(set, action.shard);
      const base = owned.epoch === undefined ? { signal, ...controller } : { signal, epoch: owned.epoch, ...controller };
      const context = progress === undefined ? base : { ...base, progress };
      await daemon.startAgent(action.shard, context);
      owned.started.add(action.shard.identity);
      owned.announcedPause?.delete(action.shard.identity);
      events.emit('agentStarted', {
        shard: action.shard,
        database: set.database,
        kind: action.kind,
        ...(owned.epoch === undefined ? {} : { epoch: owned.epoch }),
      });
    }
    ownership.backoff.clear(set.key);
  } catch (cause) {
    await startFailed(ownership, set, cause);
  }
}

async function startFailed(ownership: SetOwnership, set: ProjectionSet, cause: unknown): Promise<void> {
  const { clock, logger, settings, errors, events } = ownership.services;
  const entry = ownership.backoff.fail(set.key, clock.now(), cause);
  const error = new CoordinatorError('AGENT_START_FAILED', `agents of ${describeSet(set)} failed to start`, { cause });
  logger.warn('agent start failed; backing off', {
    set: set.key,
    lockId: set.lockId,
    failures: entry.failures,
    retryInMs: entry.nextAttemptAt - clock.now(),
    release: settings.releaseOnStartFailure,
    cause,
  });
  errors.record(error);
  events.emit('error', { error, set });
  if (settings.releaseOnStartFailure) await ownership.stopSet(set, 'start-failed', true);
}
