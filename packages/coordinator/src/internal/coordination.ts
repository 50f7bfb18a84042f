import type { Clock, Logger } from '@polecat/app-lock';
import type { ProjectionDistributor } from '@polecat/distributors';
import type { CoordinatorEvents } from '../coordinator-events';
import type { CoordinatorSettings } from '../coordinator-settings';
import type { EpochSource } from '../epoch-source';
import type { OwnershipIntentSource } from '../ownership-intents';
import type { OwnershipPolicy } from '../ownership-policy';
import type { ErrorRecord } from './error-record';
import type { IntentReader } from './loop/intent-reader';
import type { CoordinatorOperations } from './operations/operations';
import type { DaemonPool } from './ownership/daemon-pool';
import type { SetOwnership } from './ownership/set-ownership';
import type { TypedEmitter } from './typed-emitter';

/**
 * What every part of a running coordinator shares, built once (`compose.ts`). `clock` is the ONE
 * time seam: every `now()`, every sleep and every timer of the loop, the ownership and the
 * operations goes through it (the system clock by default; a simulation passes its own).
 */
export interface CoordinatorServices {
  readonly distributor: ProjectionDistributor;
  readonly daemons: DaemonPool;
  readonly settings: CoordinatorSettings;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly events: TypedEmitter<CoordinatorEvents>;
  readonly errors: ErrorRecord;
  /** Ends the loop's current sleep: the next cycle runs now. */
  readonly wake: () => void;
  readonly epochs?: EpochSource;
}

/** The whole composition the loop drives: the services and the collaborators. */
export interface Coordination extends CoordinatorServices {
  readonly ownership: SetOwnership;
  readonly operations: CoordinatorOperations;
  /** Balancing seam (none: take every set that is free). */
  readonly policy?: OwnershipPolicy;
  /** Operator intents (pause, drain), read once per cycle. */
  readonly intents?: IntentReader;
  /** Their source (its `onChange` wakes the loop). */
  readonly intentSource?: OwnershipIntentSource;
  /** The epoch source's `isStale`, when it has one (see `CycleInput.isStaleEpoch`). */
  readonly isStaleEpoch?: (error: unknown) => boolean;
}
