import { isLoggerLike, loggerOrStderr, systemClock, type Clock, type Logger } from '@polecat/app-lock';
import { CoordinatorError } from '../coordinator-error';
import type { CoordinatorEvents } from '../coordinator-events';
import { resolveCoordinatorSettings, type CoordinatorSettings } from '../coordinator-settings';
import { isDaemonMode, type DaemonMode } from '../daemon-mode';
import type { ProjectionCoordinatorOptions } from '../projection-coordinator-options';
import type { Coordination, CoordinatorServices } from './coordination';
import { defaultOwnershipPolicy } from './default-policy';
import { ErrorRecord } from './error-record';
import { CoordinatorLoop } from './loop/coordinator-loop';
import { IntentReader } from './loop/intent-reader';
import { WakeableSleep } from './loop/wakeable-sleep';
import { CoordinatorOperations } from './operations/operations';
import { DaemonPool } from './ownership/daemon-pool';
import { SetOwnership } from './ownership/set-ownership';
import { TypedEmitter } from './typed-emitter';

/** A coordinator's parts, wired (the `Disabled` mode has no coordination and no loop). */
export interface Composition {
  readonly mode: DaemonMode;
  readonly settings: CoordinatorSettings;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly events: TypedEmitter<CoordinatorEvents>;
  readonly errors: ErrorRecord;
  readonly coordination?: Coordination;
  readonly loop?: CoordinatorLoop;
}

/** What the composition reports back to the coordinator's face. */
export interface CompositionHooks {
  /** Something a status waiter may be waiting for changed (a drain ended, a cycle ended). */
  readonly changed: () => void;
}

/**
 * Validates the options and wires the collaborators, in the ONE place where they meet: the daemon
 * pool, the set map (ownership), the operations side, the loop and its wake-ups. Throws
 * `INVALID_CONFIGURATION`.
 */
export function compose(options: ProjectionCoordinatorOptions, hooks: CompositionHooks): Composition {
  if (!isDaemonMode(options?.mode))
    throw new CoordinatorError('INVALID_CONFIGURATION', `mode must be one of Disabled, Solo, HotCold; got ${String(options?.mode)}`);
  const mode = options.mode;
  const settings = resolveCoordinatorSettings(options.settings);
  const given: unknown = options.logger;
  if (given !== undefined && given !== false && !isLoggerLike(given)) {
    throw new CoordinatorError(
      'INVALID_CONFIGURATION',
      `logger must have debug, info, warn and error methods (console, pino, winston, a Logger) or be false, got ${given === null ? 'null' : typeof given}`,
    );
  }
  // none given: warnings and errors reach stderr (one line per distinct problem); false silences
  const logger = loggerOrStderr(options.logger);
  const clock = options.clock ?? systemClock;
  const events = new TypedEmitter<CoordinatorEvents>(logger);
  const errors = new ErrorRecord(events);
  const base = { mode, settings, logger, clock, events, errors };
  if (mode === 'Disabled') return base;

  const { distributor, daemonFor, epochs } = options;
  if (distributor === undefined) throw new CoordinatorError('INVALID_CONFIGURATION', `mode ${mode} needs a distributor`);
  if (typeof daemonFor !== 'function') throw new CoordinatorError('INVALID_CONFIGURATION', `mode ${mode} needs a daemonFor factory`);
  const solo = distributor.capabilities?.solo ?? distributor.kind === 'solo';
  if ((mode === 'Solo') !== solo) throw new CoordinatorError('INVALID_CONFIGURATION', `mode ${mode} does not match a ${solo ? 'solo' : 'locking'} distributor`);

  const sleep = new WakeableSleep(clock);
  const wake = (): void => sleep.wake();
  // an agent failing on its own wakes the loop (a stale epoch is handed over at once)
  const daemons = new DaemonPool(daemonFor, logger, wake);
  const services: CoordinatorServices = { distributor, daemons, settings, logger, clock, events, errors, wake, ...(epochs === undefined ? {} : { epochs }) };
  const ownership = new SetOwnership(services, {
    progressFor: (set, shard) => operations.progressFor(set, shard), // (called once agents start: after the wiring)
    // a set whose agents all returned may be attempted (or, its lock lost, started) again now
    onDrained: () => {
      hooks.changed();
      wake();
    },
  });
  const operations: CoordinatorOperations = new CoordinatorOperations(services, ownership);
  const policy = options.policy ?? defaultOwnershipPolicy(mode, distributor, settings);
  const intentSource = options.ownershipIntents;
  const isStale = epochs?.isStale?.bind(epochs);
  const coordination: Coordination = {
    ...services,
    ownership,
    operations,
    ...(policy === undefined ? {} : { policy }),
    ...(intentSource === undefined ? {} : { intentSource, intents: new IntentReader(intentSource, logger) }),
    ...(isStale === undefined ? {} : { isStaleEpoch: (error: unknown) => isStale(error) === true }),
  };
  return { ...base, coordination, loop: new CoordinatorLoop(coordination, sleep, hooks.changed) };
}
