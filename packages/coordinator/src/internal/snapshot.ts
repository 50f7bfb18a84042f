import type { Clock } from '@polecat/app-lock';
import { healthFrom, type CoordinatorHealth } from '../coordinator-health';
import type { CoordinatorState, CoordinatorStatus } from '../coordinator-status';
import type { DaemonMode } from '../daemon-mode';
import type { Coordination } from './coordination';
import type { ErrorRecord } from './error-record';

/** What the coordinator's face knows itself, for its status. */
export interface FaceState {
  readonly mode: DaemonMode;
  readonly state: CoordinatorState;
  readonly clock: Clock;
  readonly errors: ErrorRecord;
  readonly cycles: number;
  readonly health: CoordinatorHealth;
}

/** `coordinator.status()`: mode, state, owned sets with their agents, cycles, last error, backoffs, stalls, drains. */
export function snapshot(face: FaceState, c: Coordination | undefined): CoordinatorStatus {
  const backingOff: Record<string, number> = {};
  const now = face.clock.now();
  for (const [key, entry] of c?.ownership.backoff.entries ?? []) if (entry.nextAttemptAt > now) backingOff[key] = entry.nextAttemptAt;
  const lastError = face.errors.last;
  return {
    mode: face.mode,
    state: face.state,
    owned: c?.ownership.status() ?? [],
    cycles: face.cycles,
    ...(lastError === undefined ? {} : { lastError }),
    backingOff,
    health: face.health,
    stalled: c?.operations.stalled() ?? [],
    draining: c?.ownership.draining() ?? [],
  };
}

/** `coordinator.health()` (without a coordination, `Disabled`: healthy while running). */
export function healthOf(state: CoordinatorState, now: number, c: Coordination | undefined): CoordinatorHealth {
  if (c === undefined)
    return healthFrom(state, state === 'running' ? [] : [{ code: 'NOT_RUNNING', status: 'unhealthy', message: `the coordinator is ${state}` }], now);
  return c.operations.health(state, c.ownership.draining());
}
