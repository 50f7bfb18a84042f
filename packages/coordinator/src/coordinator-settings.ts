import { DEFAULT_BACKOFF_POLICY, type BackoffPolicy } from './backoff';
import { CoordinatorError } from './coordinator-error';

/** Timings and policies of a `ProjectionCoordinator`. Every field has the original's default. */
export interface CoordinatorSettings {
  /**
   * Base added to every computed lock id (the original's `DaemonLockId`). Read by distributors;
   * kept here so one settings object configures a node. Default 4444.
   */
  readonly daemonLockId: number;
  /**
   * Wait between cycles when no agent is paused. The original's default, 5000 ms, is kept; lower
   * it for faster takeover (each cycle costs one lock round trip per database). A lost lock wakes
   * the loop at once whatever this value.
   */
  readonly leadershipPollingTimeMs: number;
  /**
   * Faster wait used instead of {@link leadershipPollingTimeMs} after a cycle in which some attempted
   * set was denied (another node holds it and may die or release it soon): a standby node polls at
   * this rate so takeover is quick, while a node that holds everything it wants keeps the slow poll.
   * Each poll is one batched lock round trip per database, so a standby sends about
   * `1000 / takeoverPollingTimeMs` queries per second per database. Set it to `leadershipPollingTimeMs`
   * (or more) to get the original's behaviour. Default 500 ms.
   */
  readonly takeoverPollingTimeMs: number;
  /**
   * How long a node that has just attained a set's lock waits before starting its agents (the lock
   * stays held meanwhile; if it is lost, nothing starts). A server that ends the previous owner's
   * session frees the lock at once, but that owner learns of it only when its connection reports
   * the loss (see the README, *Scale*); without this wait, a standby that attains the
   * lock in between would briefly run the agents next to the old owner's. The wait counts from the
   * moment this node knew the server had freed the lock: the answer of the cycle's membership probe
   * that listed the set free (balancing on), else the grant; at least half of it always counts from
   * the grant (a set another node took and lost between probe and attempt). Costs up to this much
   * on every takeover, including graceful ones. `0` starts at once (the original). Default 50 ms.
   */
  readonly takeoverGraceMs: number;
  /** Wait between cycles while any agent is paused (failed). Default 1000 ms. */
  readonly agentPauseTimeMs: number;
  /**
   * A paused (failed) agent is restarted once it has been paused longer than this, doubled for each
   * consecutive failure of that agent here, capped at `startFailureBackoff.maxMs`. Default 5000 ms.
   */
  readonly healthCheckPollingTimeMs: number;
  /**
   * After this many consecutive failures of one agent on this node, its set is handed to another
   * node (released, then backed off here: the failure may be local). `0` never hands over.
   * Failures count across restarts until the agent has run well for a while: seen running, with no
   * failure, for `max(healthCheckPollingTimeMs, the restart delay it just waited)` (an agent that
   * crashes sooner keeps counting); a set handed over for failing and taken back here (e.g. by the
   * only node) continues its count. Default 5.
   */
  readonly agentFailuresBeforeHandOver: number;
  /**
   * How long stop, pause and each hand-over wait for aborted agents before going on. It never
   * releases a lock early: a set whose agents are still running keeps its lock until they return
   * (reported by the `drainOverrun` event, `status().draining` and a warning at most once per
   * interval; `stop()` names them in its result). Default 5000 ms.
   */
  readonly stopDrainTimeoutMs: number;
  /**
   * A `Stopped` agent (its function returned on its own) on a set this node holds is restarted
   * when `true`; when `false` the set's lock is released so another node can run it. Default `true`.
   */
  readonly restartStoppedAgents: boolean;
  /** `pause()` releases this node's locks so another node can take over. Default `true`. */
  readonly releaseLocksOnPause: boolean;
  /**
   * After a start failure, release the set's lock (another node may take it) instead of keeping it
   * and retrying here. Either way this node waits out {@link startFailureBackoff}. Default `false`.
   */
  readonly releaseOnStartFailure: boolean;
  /** Per-set retry policy after start failures. Default `{ initialMs: 1000, factor: 2, maxMs: 60000 }`. */
  readonly startFailureBackoff: BackoffPolicy;
  /**
   * Even load in HotCold mode: when no `policy` is given and the distributor can probe membership
   * (`probeMembership`, i.e. its `AppLock` implements `probeLocks`), the coordinator uses
   * `fairShareOwnershipPolicy` (each node holds at most `ceil(sets / liveNodes)` and hands extras
   * over gracefully). `false` restores the original: the first node up takes every set and keeps
   * them. Default `true`.
   */
  readonly balance: boolean;
  /**
   * A running agent that has not called `context.progress()` for this long is **stalled**:
   * reported (event `agentStalled`, `status().stalled`, `health()`, metric) and handled per
   * {@link stallAction}. An agent's start counts as progress. `0` (default) turns stall detection off.
   */
  readonly stallTimeoutMs: number;
  /**
   * What to do with a stalled agent: `'report'` (default) only reports it; `'restart'` stops the
   * agent's set here (its agents are aborted and awaited) and starts it again, keeping the lock;
   * `'hand-over'` stops the set, releases its lock once its agents have settled, and backs the set
   * off on this node so that another node takes it.
   */
  readonly stallAction: StallAction;
  /**
   * `start()` waits for the first cycle and rejects with `DATABASE_UNREACHABLE` (the coordinator
   * then stopped) when a database could not be reached: at its first failed lock round trip, so a
   * host that never answers costs one `connectTimeoutMs` of the lock, not one per round trip. Default `false`: start resolves at once and
   * the loop keeps retrying an unreachable database with backoff (reported through `health()`,
   * `status().health`, events `databaseUnreachable` and `error`).
   */
  readonly failFastOnStart: boolean;
  /**
   * How long `start()` waits for the first lock round trip to learn whether a database refuses
   * this node for good (authentication, a missing database, a pooler in transaction mode, invalid
   * configuration): it then rejects with `DATABASE_REFUSED` (the coordinator stopped). It resolves
   * as soon as a round trip answers or the first cycle ends; a database that does not answer within
   * this time is transient (retried with backoff). `0`: start resolves at once and a refusal is
   * only reported (`health()` `DATABASE_REFUSED`, the `error` event, the logger). Default 5000 ms.
   */
  readonly startCheckMs: number;
}

/** What the coordinator does with a stalled agent (see {@link CoordinatorSettings.stallAction}). */
export const STALL_ACTIONS = ['report', 'restart', 'hand-over'] as const;
/** One of {@link STALL_ACTIONS}. */
export type StallAction = (typeof STALL_ACTIONS)[number];

/**
 * The first releases' duration names (the original's, without a unit), each accepted as a
 * deprecated alias of its `...Ms` setting: `{ leadershipPollingTime: 1000 }` still means
 * `{ leadershipPollingTimeMs: 1000 }`. Every duration of every `@polecat` package now names its unit.
 */
export const DEPRECATED_DURATION_NAMES = Object.freeze({
  leadershipPollingTime: 'leadershipPollingTimeMs',
  takeoverPollingTime: 'takeoverPollingTimeMs',
  agentPauseTime: 'agentPauseTimeMs',
  healthCheckPollingTime: 'healthCheckPollingTimeMs',
  stopDrainTimeout: 'stopDrainTimeoutMs',
} as const);

/** The deprecated names of {@link DEPRECATED_DURATION_NAMES}, as optional inputs. */
export interface DeprecatedDurationSettings {
  /** @deprecated Use `leadershipPollingTimeMs`. */
  readonly leadershipPollingTime?: number;
  /** @deprecated Use `takeoverPollingTimeMs`. */
  readonly takeoverPollingTime?: number;
  /** @deprecated Use `agentPauseTimeMs`. */
  readonly agentPauseTime?: number;
  /** @deprecated Use `healthCheckPollingTimeMs`. */
  readonly healthCheckPollingTime?: number;
  /** @deprecated Use `stopDrainTimeoutMs`. */
  readonly stopDrainTimeout?: number;
}

/** Settings as accepted by constructors: any subset, the rest defaults. */
export type CoordinatorSettingsInput = Partial<Omit<CoordinatorSettings, 'startFailureBackoff'>> &
  DeprecatedDurationSettings & {
    readonly startFailureBackoff?: Partial<BackoffPolicy>;
  };

/** `input` with each deprecated duration name moved to its `...Ms` name (both given and different: an error). */
function withDurationUnits(input: CoordinatorSettingsInput): Omit<CoordinatorSettingsInput, keyof DeprecatedDurationSettings> {
  const renamed: Record<string, unknown> = { ...input };
  for (const [old, current] of Object.entries(DEPRECATED_DURATION_NAMES)) {
    if (!(old in renamed)) continue;
    const value = renamed[old];
    delete renamed[old];
    if (value === undefined) continue;
    if (renamed[current] !== undefined && renamed[current] !== value) throw invalid(`${old} (deprecated) and ${current} disagree: give ${current} only`);
    renamed[current] = value;
  }
  return renamed as Omit<CoordinatorSettingsInput, keyof DeprecatedDurationSettings>;
}

/** The original's defaults plus this port's improvements. */
export const DEFAULT_COORDINATOR_SETTINGS: CoordinatorSettings = Object.freeze({
  daemonLockId: 4444,
  leadershipPollingTimeMs: 5000,
  takeoverPollingTimeMs: 500,
  takeoverGraceMs: 50,
  agentPauseTimeMs: 1000,
  healthCheckPollingTimeMs: 5000,
  agentFailuresBeforeHandOver: 5,
  stopDrainTimeoutMs: 5000,
  restartStoppedAgents: true,
  releaseLocksOnPause: true,
  releaseOnStartFailure: false,
  startFailureBackoff: DEFAULT_BACKOFF_POLICY,
  balance: true,
  stallTimeoutMs: 0,
  stallAction: 'report',
  failFastOnStart: false,
  startCheckMs: 5000,
});

const DURATIONS = [
  'leadershipPollingTimeMs',
  'takeoverPollingTimeMs',
  'takeoverGraceMs',
  'agentPauseTimeMs',
  'healthCheckPollingTimeMs',
  'stopDrainTimeoutMs',
  'stallTimeoutMs',
  'startCheckMs',
] as const;
const FLAGS = ['restartStoppedAgents', 'releaseLocksOnPause', 'releaseOnStartFailure', 'balance', 'failFastOnStart'] as const;
const MAX_DELAY = 2_147_483_647; // setTimeout's limit

function invalid(message: string): CoordinatorError {
  return new CoordinatorError('INVALID_CONFIGURATION', `Invalid coordinator settings: ${message}`);
}

function checkDuration(name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_DELAY) {
    throw invalid(`${name} must be a number of milliseconds in [${min}, ${MAX_DELAY}], got ${String(value)}`);
  }
}

/**
 * Fills defaults and validates. Throws `CoordinatorError` (`INVALID_CONFIGURATION`) on a bad value.
 * @example resolveCoordinatorSettings({ leadershipPollingTimeMs: 500 })
 */
export function resolveCoordinatorSettings(input: CoordinatorSettingsInput = {}): CoordinatorSettings {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('expected an object');
  const givenBackoff: unknown = input.startFailureBackoff;
  if (givenBackoff !== undefined && (typeof givenBackoff !== 'object' || givenBackoff === null || Array.isArray(givenBackoff))) {
    throw invalid(
      `startFailureBackoff must be an object { initialMs, factor, maxMs } (any subset), got ${JSON.stringify(givenBackoff) ?? typeof givenBackoff}`,
    );
  }
  const backoff: BackoffPolicy = { ...DEFAULT_BACKOFF_POLICY, ...(input.startFailureBackoff ?? {}) };
  const settings: CoordinatorSettings = { ...DEFAULT_COORDINATOR_SETTINGS, ...withDurationUnits(input), startFailureBackoff: backoff };
  const lockId = settings.daemonLockId;
  if (!Number.isInteger(lockId) || lockId < -2_147_483_648 || lockId > 2_147_483_647) {
    throw invalid(`daemonLockId must be a signed 32-bit integer, got ${String(lockId)}`);
  }
  for (const name of DURATIONS)
    checkDuration(name, settings[name], name === 'leadershipPollingTimeMs' || name === 'takeoverPollingTimeMs' || name === 'agentPauseTimeMs' ? 1 : 0);
  for (const name of FLAGS) {
    if (typeof settings[name] !== 'boolean') throw invalid(`${name} must be a boolean, got ${String(settings[name])}`);
  }
  const handOverAfter = settings.agentFailuresBeforeHandOver;
  if (typeof handOverAfter !== 'number' || !Number.isInteger(handOverAfter) || handOverAfter < 0) {
    throw invalid(`agentFailuresBeforeHandOver must be an integer >= 0, got ${String(handOverAfter)}`);
  }
  if (!(STALL_ACTIONS as readonly unknown[]).includes(settings.stallAction))
    throw invalid(`stallAction must be one of ${STALL_ACTIONS.join(', ')}, got ${String(settings.stallAction)}`);
  checkDuration('startFailureBackoff.initialMs', backoff.initialMs, 1);
  checkDuration('startFailureBackoff.maxMs', backoff.maxMs, backoff.initialMs);
  if (typeof backoff.factor !== 'number' || !Number.isFinite(backoff.factor) || backoff.factor < 1) {
    throw invalid(`startFailureBackoff.factor must be a finite number >= 1, got ${String(backoff.factor)}`);
  }
  return Object.freeze({ ...settings, startFailureBackoff: Object.freeze(backoff) });
}
