import type { ProjectionSet } from '@polecat/distributors';
import type { Coordination } from '../coordination';
import { describeSet } from '../describe-set';
import type { Attempted } from './attempt';
import type { Observation } from './observe';

/**
 * When the agents of a set attained at `grantedAt` may start: `takeoverGraceMs` after the server
 * freed its lock, so that a previous owner whose session the server ended has that long to notice
 * and abort its agents first. The server freed it before `freeAt`, the answer of this cycle's
 * membership probe that listed it free, when there is one, and before its own grant otherwise.
 * A probe's answer comes earlier than the attempt's (by the planning and the attempt round trip,
 * the survivors of a crash competing for the CPU), so a takeover starts that much sooner. At least
 * half the grace still counts from the grant: a set that another node took and lost again between
 * the probe and the attempt (a few milliseconds) leaves its owner that much time to notice.
 */
export function agentStartAt(grantedAt: number, freeAt: number | undefined, graceMs: number): number {
  if (freeAt === undefined || freeAt > grantedAt) return grantedAt + graceMs;
  return Math.max(freeAt + graceMs, grantedAt + graceMs / 2);
}

/** Stops agents a daemon still runs for a set this node does not hold (the original's denied path). */
async function stopStrays(c: Coordination, set: ProjectionSet): Promise<void> {
  const daemon = c.daemons.peek(set.database.id);
  if (daemon === undefined) return;
  for (const shard of set.names) {
    if (daemon.statusOf(shard)?.status !== 'Running') continue;
    await daemon.stopAgent(shard, new Error(`lock of ${describeSet(set)} not held here`));
    c.events.emit('agentStopped', { shard, database: set.database, reason: 'not-held' });
  }
}

/**
 * Starts the agents of sets attained this cycle once their takeover grace is over (see
 * {@link agentStartAt}; one wait per distinct start time, usually one for all). A set whose lock
 * is lost meanwhile starts nothing (`SetOwnership.acquire`).
 */
async function startAttained(
  c: Coordination,
  attained: readonly ProjectionSet[],
  grantedAt: number,
  freeAt: (key: string) => number | undefined,
  signal: AbortSignal,
): Promise<void> {
  const grace = c.settings.takeoverGraceMs;
  const byStart = new Map<number, ProjectionSet[]>();
  for (const set of attained) {
    const at = grace > 0 ? agentStartAt(grantedAt, freeAt(set.key), grace) : grantedAt;
    const group = byStart.get(at);
    if (group === undefined) byStart.set(at, [set]);
    else group.push(set);
  }
  await Promise.all(
    [...byStart].map(async ([at, sets]) => {
      const waitMs = at - c.clock.now();
      if (waitMs > 0) {
        try {
          await c.clock.sleep(waitMs, signal);
        } catch {
          return; // stop/pause: stop releases every lock; a resume finds the set held and starts it
        }
      }
      await Promise.all(
        sets.map((set) =>
          c.ownership.startAgents(
            set,
            set.names.map((shard) => ({ set, shard, kind: 'start' as const })),
          ),
        ),
      );
    }),
  );
}

/**
 * Step 5, start: the agents of the sets granted this cycle (after their takeover grace); for the
 * sets denied, stop any agent a daemon still runs for them.
 */
export async function startGranted(c: Coordination, observed: Observation, result: Attempted, signal: AbortSignal): Promise<void> {
  const { logger, operations } = c;
  const starts: Promise<void>[] = [];
  const attained: ProjectionSet[] = [];
  for (const set of result.attempted) {
    if (result.granted.has(set.key)) {
      logger.debug('lock attained', { set: set.key, lockId: set.lockId, database: set.database.id });
      attained.push(set);
    } else {
      if (!operations.failedThisCycle(set.database.id)) logger.debug('lock denied', { set: set.key, lockId: set.lockId, database: set.database.id });
      starts.push(
        stopStrays(c, set).catch((error: unknown) => {
          logger.warn('stopping agents of a denied set failed', { set: set.key, error });
          c.errors.report(error, set);
        }),
      );
    }
  }
  // when a probe's answer listed a set free, the server had freed it by then (see agentStartAt)
  const freeAt = (key: string): number | undefined => observed.probes.find((probe) => probe.view.freeSince.has(key))?.answeredAt;
  if (attained.length > 0) starts.push(startAttained(c, attained, result.grantedAt, freeAt, signal));
  await Promise.all(starts);
}
