import type { ProjectionDistributor } from '@polecat/distributors';
import type { CoordinatorSettings } from '../coordinator-settings';
import type { DaemonMode } from '../daemon-mode';
import { fairShareOwnershipPolicy } from '../fair-share-ownership-policy';
import type { OwnershipPolicy } from '../ownership-policy';

/**
 * The policy a coordinator uses when none is given: fair share in HotCold mode when balancing is on
 * and the distributor can probe membership (scope `cluster` for MultiTenanted, whose sets are one
 * per database; `database` otherwise), with an orphan grace of three takeover polls. Otherwise
 * `undefined` (the original: attempt everything).
 */
export function defaultOwnershipPolicy(
  mode: DaemonMode,
  distributor: ProjectionDistributor | undefined,
  settings: CoordinatorSettings,
): OwnershipPolicy | undefined {
  if (mode !== 'HotCold' || !settings.balance || typeof distributor?.probeMembership !== 'function') return undefined;
  return fairShareOwnershipPolicy({
    scope: distributor.capabilities?.shareScope ?? (distributor.kind === 'multi-tenanted' ? 'cluster' : 'database'),
    orphanGraceMs: 3 * settings.takeoverPollingTimeMs,
  });
}
