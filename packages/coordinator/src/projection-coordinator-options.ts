import type { Clock, ConsoleLike, Logger } from '@polecat/app-lock';
import type { ProjectionDatabase, ProjectionDistributor } from '@polecat/distributors';
import type { CoordinatorSettingsInput } from './coordinator-settings';
import type { DaemonMode } from './daemon-mode';
import type { EpochSource } from './epoch-source';
import type { OwnershipIntentSource } from './ownership-intents';
import type { OwnershipPolicy } from './ownership-policy';
import type { ProjectionDaemon } from './projection-daemon';

/** Options of `ProjectionCoordinator`. */
export interface ProjectionCoordinatorOptions {
  /** `Disabled` touches nothing; `Solo` expects a Solo distributor; `HotCold` a locking one. */
  readonly mode: DaemonMode;
  /** Builds the sets and owns the locks. Required unless `mode` is `Disabled`. Disposed by `stop()`. */
  readonly distributor?: ProjectionDistributor;
  /** Creates the daemon of one database (lazily; disposed when the database leaves the distribution, or on stop). Required unless `Disabled`. */
  readonly daemonFor?: (database: ProjectionDatabase) => ProjectionDaemon;
  /** Timings and policies; defaults in `DEFAULT_COORDINATOR_SETTINGS`. */
  readonly settings?: CoordinatorSettingsInput;
  /** A `Logger`, `console`, pino or winston; `false` silences. Default: warnings and errors to stderr (`stderrLogger`). */
  readonly logger?: Logger | ConsoleLike | false;
  /** Default: `systemClock`. */
  readonly clock?: Clock;
  /** Fencing: called on every grant; its epoch reaches agents in `AgentStartContext.epoch`. */
  readonly epochs?: EpochSource;
  /**
   * Which sets to attempt / hand over each cycle (balancing seam). Default in HotCold mode:
   * `fairShareOwnershipPolicy` when the distributor can probe membership and `settings.balance` is
   * not `false`; otherwise the original (attempt every set, keep everything).
   */
  readonly policy?: OwnershipPolicy;
  /**
   * Operator intents (pause shards, drain this node), read at the start of every cycle: a paused or
   * drained set is handed over (agents stopped, then its lock released) and never attempted here.
   * Its `onChange` wakes the loop at once. Default: none. A table-backed source is in `@polecat/ops`.
   */
  readonly ownershipIntents?: OwnershipIntentSource;
  /** Aborting it stops the coordinator (like `stop()`). */
  readonly signal?: AbortSignal;
}
