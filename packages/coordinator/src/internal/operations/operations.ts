import type { LockRoundTripEvent, ProjectionSet, ShardName } from '@polecat/distributors';
import type { BackoffPolicy } from '../../backoff';
import { CoordinatorError } from '../../coordinator-error';
import type { CoordinatorEvents } from '../../coordinator-events';
import { LOCKS_LOST_REPEATEDLY_COUNT, LOCKS_LOST_WINDOW_MS, healthFrom, type CoordinatorHealth, type HealthReason } from '../../coordinator-health';
import type { CoordinatorState, DrainingSetStatus } from '../../coordinator-status';
import type { CoordinatorServices } from '../coordination';
import type { SetOwnership } from '../ownership/set-ownership';
import { DatabaseReachability } from './database-reachability';
import { DistributionHealth } from './distribution-health';
import { OwnershipLog } from './ownership-log';
import { StallWatch, type StalledAgent } from './stall-watch';
import { StartVerdict } from './start-verdict';
import { TakeoverTracker } from './takeover-tracker';

/**
 * The coordinator's operational side, fed by its events and (through the loop's one subscription,
 * `wake-sources.ts`) the distributor's: database reachability (backoff, one report per retry step,
 * fail-fast), stalls judged by progress, takeover causes, ownership log lines, and the inputs of
 * `health()`. Kept apart from the loop; the loop calls {@link endCycle} and {@link cycleEnded} and
 * hands agents {@link progressFor}.
 */
export class CoordinatorOperations {
  readonly #deps: CoordinatorServices;
  readonly #ownership: SetOwnership;
  readonly #reachability: DatabaseReachability;
  readonly #stalls: StallWatch | undefined;
  readonly #takeovers = new TakeoverTracker();
  readonly #log: OwnershipLog;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #databasesSeen = new Set<string>();
  readonly #lostAt: number[] = [];
  readonly #pendingActions = new Set<Promise<void>>();
  #lastCycleEndAt: number | undefined;
  #lastSleepMs = 0;
  #runningSince: number | undefined;
  #firstCycle: { promise: Promise<void>; resolve: () => void } | undefined;
  readonly #startVerdict = new StartVerdict();
  readonly #distribution = new DistributionHealth();

  constructor(deps: CoordinatorServices, ownership: SetOwnership) {
    this.#deps = deps;
    this.#ownership = ownership;
    const { events, logger, clock, settings } = deps;
    const policy: BackoffPolicy = {
      initialMs: settings.takeoverPollingTimeMs,
      factor: 2,
      maxMs: Math.max(settings.leadershipPollingTimeMs, settings.takeoverPollingTimeMs, 5000),
    };
    this.#reachability = new DatabaseReachability(
      events,
      logger,
      () => policy,
      (error) => this.#startVerdict.refused(error),
    );
    this.#log = new OwnershipLog(logger, clock, () => ownership.trackedCount());
    if (settings.stallTimeoutMs > 0) {
      this.#stalls = new StallWatch({
        timeoutMs: settings.stallTimeoutMs,
        clock,
        logger,
        events,
        isRunning: (set, shard) => deps.daemons.peek(set.database.id)?.statusOf(shard)?.status === 'Running',
        onStalled: (set, shard) => this.#onStalled(set, shard),
      });
    }
    const on = <K extends keyof CoordinatorEvents>(event: K, listener: (payload: CoordinatorEvents[K]) => void): void => {
      this.#unsubscribe.push(events.on(event, listener));
    };
    on('lockAcquired', ({ set }) => {
      this.#log.record('acquired', set);
      const takeover = this.#takeovers.acquired(set, clock.now());
      if (takeover !== undefined) events.emit('takeover', { set, ...takeover });
    });
    on('lockReleased', ({ set, reason }) => this.#log.record('released', set, reason));
    on('lockLost', ({ set, error }) => {
      const now = clock.now();
      this.#log.record('lost', set, error.reason);
      this.#takeovers.lost(set, now);
      this.#lostAt.push(now);
      if (this.#lostAt.length > LOCKS_LOST_REPEATEDLY_COUNT * 4) this.#lostAt.splice(0, this.#lostAt.length - LOCKS_LOST_REPEATEDLY_COUNT * 4);
    });
    on('agentStopped', ({ shard, database }) => this.#stalls?.stopped(database, shard));
    on('cycle', ({ durationMs }) => {
      const now = clock.now();
      this.#takeovers.cycleEnded(now - durationMs);
      this.#log.flush();
    });
  }

  /** The loop (re)started: the stall timer runs, the first cycle's grants are start-up grants. */
  started(): void {
    this.#runningSince = this.#deps.clock.now();
    this.#lastCycleEndAt = undefined;
    this.#takeovers.restarted();
    this.#stalls?.start();
  }

  /** One lock round trip (the distributor's `onLockRoundTrip`): reachability, and the public event. */
  lockRoundTrip(event: LockRoundTripEvent): void {
    this.#databasesSeen.add(event.databaseId);
    this.#reachability.observe(event, this.#deps.clock.now());
    if (event.error === undefined) this.#startVerdict.answered();
    // failFastOnStart: the first failed round trip decides (one connect timeout), not the whole
    // first cycle (its later round trips, e.g. the membership probe, would wait out another one)
    else this.#firstCycle?.resolve();
    this.#deps.events.emit('lockRoundTrip', event);
  }

  /** Another node released locks (a release notice, with the releaser's reason when it gave one). */
  releaseNoticed(reason?: string): void {
    this.#takeovers.notice(this.#deps.clock.now(), reason);
  }

  /** Paused or stopping: no stall checks, no running-since. */
  halted(): void {
    this.#runningSince = undefined;
    this.#stalls?.stop();
    this.#log.flush();
    this.#firstCycle?.resolve();
    this.#startVerdict.answered();
  }

  /** Ends everything (after stop); waits for stall actions in flight. */
  async dispose(): Promise<void> {
    this.halted();
    await Promise.all([...this.#pendingActions]);
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  /**
   * A cycle ended: reports its unreachable databases (once per retry step) and returns their retry
   * step when every database the cycle talked to failed (the loop then sleeps at least that long).
   */
  endCycle(now: number): number | undefined {
    return this.#reachability.endCycle(now);
  }

  /** A cycle built its distribution (`sets` sets; `draining`: an operator drains this node). */
  distributionBuilt(sets: number, draining: boolean): void {
    this.#distribution.built(sets, draining, this.#deps.clock.now());
  }

  /** Building the distribution failed (e.g. a `databases` function threw). */
  distributionFailed(error: unknown): void {
    this.#distribution.failed(error, this.#deps.clock.now());
  }

  /** The loop sleeps `sleepMs` from `now` (the loop-health clock; `failFastOnStart` waits for the first). */
  cycleEnded(now: number, sleepMs: number): void {
    this.#lastCycleEndAt = now;
    this.#lastSleepMs = sleepMs;
    this.#firstCycle?.resolve();
    this.#startVerdict.answered();
  }

  /**
   * For `start()` (call before the loop starts): the `DATABASE_REFUSED` error of a database that
   * refuses this node for good, or `undefined` once a round trip answers, the first cycle ends or
   * `settings.startCheckMs` passes (see {@link StartVerdict}).
   */
  startVerdict(): Promise<CoordinatorError | undefined> {
    return this.#startVerdict.wait(this.#deps.clock, this.#deps.settings.startCheckMs);
  }

  /** Whether a lock round trip to this database failed in the current cycle. */
  failedThisCycle(databaseId: string): boolean {
    return this.#reachability.failedThisCycle(databaseId);
  }

  /** The `progress` function handed to a starting agent (only with stall detection on). */
  progressFor(set: ProjectionSet, shard: ShardName): ((position?: unknown) => void) | undefined {
    return this.#stalls?.track(set, shard);
  }

  /**
   * For `failFastOnStart`: waits for the first cycle or its first failed lock round trip, whichever
   * comes first, then the error to reject `start()` with, if any.
   */
  async firstCycleFailure(): Promise<CoordinatorError | undefined> {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.#firstCycle = { promise, resolve };
    await promise;
    this.#firstCycle = undefined;
    const failing = this.#reachability.unreachableIds().map((databaseId) => ({ databaseId, error: this.#reachability.errorOf(databaseId) }));
    const failed = failing.length > 0 ? failing : this.#reachability.failuresThisCycle();
    if (failed.length === 0) return undefined;
    const ids = failed.map((failure) => failure.databaseId);
    const first = failed[0]!.error;
    return new CoordinatorError(
      'DATABASE_UNREACHABLE',
      `start failed fast: ${ids.length === 1 ? `database ${ids[0]!} is` : `databases ${ids.join(', ')} are`} unreachable (${first?.message ?? 'no answer'})`,
      {
        cause: first?.cause,
      },
    );
  }

  stalled(): StalledAgent[] {
    return this.#stalls?.stalled() ?? [];
  }

  /** Health now; `draining`: the sets whose aborted agents have not all returned (those past the drain timeout count). */
  health(state: CoordinatorState, draining: readonly DrainingSetStatus[] = []): CoordinatorHealth {
    const { clock, settings } = this.#deps;
    const now = clock.now();
    const reasons: HealthReason[] = [];
    if (state !== 'running') {
      reasons.push({ code: 'NOT_RUNNING', status: 'unhealthy', message: `the coordinator is ${state}` });
    } else {
      // The loop plans its sleep; a cycle may take long (drains, takeover grace, request timeouts).
      const graceMs = settings.stopDrainTimeoutMs + settings.takeoverGraceMs + 30_000;
      const lastAt = this.#lastCycleEndAt ?? this.#runningSince;
      const dueMs = this.#lastCycleEndAt === undefined ? 500 : this.#lastSleepMs;
      if (lastAt !== undefined && now - lastAt > dueMs + graceMs) {
        reasons.push({
          code: 'LOOP_NOT_CYCLING',
          status: 'unhealthy',
          message: `no cycle finished for ${now - lastAt} ms (expected within ${dueMs + graceMs} ms)`,
          since: lastAt + dueMs,
        });
      }
    }
    reasons.push(...this.#reachability.reasons(this.#databasesSeen.size));
    if (state === 'running') reasons.push(...this.#distribution.reasons());
    if (this.#stalls !== undefined) reasons.push(...this.#stalls.reasons());
    if (state === 'running') reasons.push(...this.#ownership.failures.reasons(this.#ownership.startedAgentCount(), now));
    const overrun = draining.filter((drain) => drain.overrun);
    if (overrun.length > 0) {
      reasons.push({
        code: 'AGENTS_DRAINING',
        status: 'degraded',
        message: `${overrun.length} set(s) have agents still running past stopDrainTimeoutMs after their abort; their locks stay held`,
        since: Math.min(...overrun.map((drain) => drain.since)),
        shards: overrun.flatMap((drain) => drain.shards.map((shard) => `${drain.databaseId}/${shard}`)),
      });
    }
    const recent = this.#lostAt.filter((at) => now - at <= LOCKS_LOST_WINDOW_MS);
    if (recent.length >= LOCKS_LOST_REPEATEDLY_COUNT) {
      reasons.push({
        code: 'LOCKS_LOST_REPEATEDLY',
        status: 'degraded',
        message: `${recent.length} locks lost within ${LOCKS_LOST_WINDOW_MS / 1000} s`,
        since: recent[0]!,
        count: recent.length,
      });
    }
    return healthFrom(state, reasons, now);
  }

  #onStalled(set: ProjectionSet, shard: ShardName): void {
    const { settings, logger, wake } = this.#deps;
    const ownership = this.#ownership;
    if (settings.stallAction === 'report' || !ownership.isTracked(set.key)) return;
    const handOver = settings.stallAction === 'hand-over';
    logger.warn(handOver ? 'agent stalled: handing its set over' : 'agent stalled: restarting its set', {
      shard: `${set.database.id}/${shard.identity}`,
      shards: set.names.map((name) => `${set.database.id}/${name.identity}`),
    });
    const work = (async () => {
      if (!handOver) this.#takeovers.restarting(set);
      await ownership.stopSet(set, 'stalled', handOver);
      if (handOver) ownership.backOff(set, new Error(`agent ${shard.identity} stalled`));
      wake();
    })();
    this.#pendingActions.add(work);
    void work.finally(() => this.#pendingActions.delete(work));
  }
}
