import type { ProjectionDatabase, ProjectionSet } from '@polecat/distributors';
import type { CoordinatorEvents } from '../../src/coordinator-events';
import type { CoordinatorSettingsInput } from '../../src/coordinator-settings';
import type { DaemonMode } from '../../src/daemon-mode';
import type { EpochSource } from '../../src/epoch-source';
import type { OwnershipPolicy } from '../../src/ownership-policy';
import { ProjectionCoordinator } from '../../src/projection-coordinator';
import { FakeDaemon } from './fake-daemon';
import { FakeDistributor } from './fake-distributor';
import { ManualClock, recordingLogger } from './fixtures';

export interface HarnessOptions {
  readonly mode?: DaemonMode;
  readonly settings?: CoordinatorSettingsInput;
  readonly epochs?: EpochSource;
  readonly policy?: OwnershipPolicy;
  readonly kind?: FakeDistributor['kind'];
  readonly configureDaemon?: (daemon: FakeDaemon) => void;
}

/** A coordinator over fakes whose loop only cycles when the test wakes it (polling is 1 h). */
export function harness(sets: ProjectionSet[], options: HarnessOptions = {}) {
  const log: string[] = [];
  const distributor = new FakeDistributor(sets, { log, ...(options.kind === undefined ? {} : { kind: options.kind }) });
  const clock = new ManualClock();
  const logger = recordingLogger();
  const daemons = new Map<string, FakeDaemon>();
  const created: FakeDaemon[] = [];
  const daemonFor = (database: ProjectionDatabase): FakeDaemon => {
    const daemon = new FakeDaemon(database, log);
    options.configureDaemon?.(daemon);
    daemons.set(database.id, daemon);
    created.push(daemon);
    return daemon;
  };
  const coordinator = new ProjectionCoordinator({
    mode: options.mode ?? (options.kind === 'solo' ? 'Solo' : 'HotCold'),
    distributor,
    daemonFor,
    clock,
    logger,
    settings: { leadershipPollingTimeMs: 3_600_000, agentPauseTimeMs: 3_600_000, stopDrainTimeoutMs: 200, ...options.settings },
    ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
    ...(options.policy === undefined ? {} : { policy: options.policy }),
  });
  const events: { name: keyof CoordinatorEvents; payload: unknown }[] = [];
  for (const name of ['lockAcquired', 'lockLost', 'lockReleased', 'agentStarted', 'agentStopped', 'agentPaused', 'cycle', 'error'] as const) {
    coordinator.on(name, (payload) => events.push({ name, payload }));
  }
  const nextCycle = (): Promise<CoordinatorEvents['cycle']> =>
    new Promise((resolve) => {
      const off = coordinator.on('cycle', (event) => {
        off();
        resolve(event);
      });
    });
  /** Starts and waits for the first cycle. */
  const start = async (): Promise<void> => {
    const first = nextCycle();
    await coordinator.start();
    await first;
  };
  /**
   * Wakes the loop and waits for one full cycle, and for the hand-overs and stops it began (the
   * cycle does not wait for them: each set is released by its own drain, a few ticks later), unless
   * an agent has not returned.
   */
  const cycle = async (): Promise<CoordinatorEvents['cycle']> => {
    const next = nextCycle();
    coordinator.wake();
    const ended = await next;
    for (let turn = 0; turn < 20 && coordinator.status().draining.some((drain) => drain.shards.length === 0); turn++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    return ended;
  };
  const daemon = (id = 'main'): FakeDaemon => {
    const found = daemons.get(id);
    if (found === undefined) throw new Error(`no daemon for ${id}`);
    return found;
  };
  const named = (name: keyof CoordinatorEvents) => events.filter((event) => event.name === name).map((event) => event.payload);
  return { coordinator, distributor, clock, logger, log, daemons, created, daemon, events, named, start, cycle, nextCycle };
}
