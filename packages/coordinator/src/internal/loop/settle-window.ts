import type { CoordinatorSettings } from '../../coordinator-settings';

/**
 * How long a set acquired here is never handed over for balance: four takeover polls plus the
 * takeover grace, at least one second (2 050 ms by default). Shares shift for a few polls while
 * a membership change settles (member counts seen at different instants); a set just taken is not
 * moved on again meanwhile: each move costs a full agent drain and restart (see the README,
 * "Minimal movement").
 */
export function settleWindowMs(settings: Pick<CoordinatorSettings, 'takeoverPollingTimeMs' | 'takeoverGraceMs'>): number {
  return Math.max(1000, 4 * settings.takeoverPollingTimeMs + settings.takeoverGraceMs);
}
