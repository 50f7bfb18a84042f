import type { ReleaseOptions } from '@polecat/app-lock';
import type { AgentStopReason } from '../coordinator-events';

/** The words other nodes read in a release notice, for the reasons that differ from the stop reason's name. */
const NOTICE_REASONS: Partial<Record<AgentStopReason, string>> = {
  stop: 'stopped',
  pause: 'paused',
  paused: 'paused',
  draining: 'drained',
  balance: 'balanced',
};

/**
 * The release options that tell other nodes why this node lets a set go (the release notice's
 * reason, the `NOTIFY` payload on PostgreSQL): `stopped`, `paused`, `drained`, `balanced`, or the
 * stop reason itself (`agents-failing`, `agent-stopped`, `vanished`, `stale-epoch`, ...).
 */
export function releaseOptionsFor(reason: AgentStopReason | undefined): ReleaseOptions {
  return reason === undefined ? {} : { reason: NOTICE_REASONS[reason] ?? reason };
}
