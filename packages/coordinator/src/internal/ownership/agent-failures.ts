import type { ProjectionSet, ShardName } from '@polecat/distributors';
import type { BackoffPolicy } from '../../backoff';
import type { HealthReason } from '../../coordinator-health';
import { backoffDelay } from './backoff';

/** One agent's run of consecutive failures on this node. */
interface FailureRun {
  readonly set: ProjectionSet;
  readonly shard: ShardName;
  /** Consecutive failures. */
  count: number;
  /** Clock ms of the first failure of the run. */
  readonly since: number;
  /** Clock ms of the last failure. */
  lastAt: number;
  lastError: unknown;
  /** Clock ms since which the agent has been seen running without a failure (first seen at a cycle); undefined while it is not. */
  runningSince: number | undefined;
  /** Its set was handed over for failing: kept so a retake here continues the count (reported until a restart step passed without a failure). */
  handedOver: boolean;
}

/**
 * Agent failure as a state of its own: consecutive failures per agent started here, counted across
 * its restarts, the restart delay after
 * each (exponential from `healthCheckPollingTimeMs`, capped), whether the set should be handed to
 * another node (`agentFailuresBeforeHandOver` consecutive failures: the failure may be local), and
 * the `AGENTS_FAILING` health reason.
 *
 * A run ends once the agent has RUN WELL FOR A WHILE: seen running at two cycles at least
 * `max(healthCheckPollingTimeMs, the restart delay it just waited)` apart with no failure between
 * (so an agent that crashes at once, or before that time, keeps counting through every restart and
 * reaches `agentFailuresBeforeHandOver`), or when its set leaves this node for another reason than
 * failing (a set handed over for failing and taken back here, e.g. by the only node, continues its count).
 */
export class AgentFailures {
  readonly #runs = new Map<string, FailureRun>();
  readonly #policy: BackoffPolicy;
  readonly #handOverAfter: number;

  /** `policy`: the restart delays; `handOverAfter`: consecutive failures before a hand-over (0: never). */
  constructor(policy: BackoffPolicy, handOverAfter: number) {
    this.#policy = policy;
    this.#handOverAfter = handOverAfter;
  }

  /** Records one failure; returns the run (count, since) and the delay before the restart. */
  failed(set: ProjectionSet, shard: ShardName, error: unknown, now: number): { readonly count: number; readonly since: number; readonly retryInMs: number } {
    const key = keyOf(set, shard);
    const run = this.#runs.get(key) ?? { set, shard, count: 0, since: now, lastAt: now, lastError: error, runningSince: undefined, handedOver: false };
    run.count += 1;
    run.lastAt = now;
    run.lastError = error;
    run.runningSince = undefined;
    run.handedOver = false;
    this.#runs.set(key, run);
    return { count: run.count, since: run.since, retryInMs: this.restartDelay(set, shard) };
  }

  /** How long a paused agent waits before its restart here. */
  restartDelay(set: ProjectionSet, shard: ShardName): number {
    return backoffDelay(this.#policy, this.#runs.get(keyOf(set, shard))?.count ?? 1);
  }

  /** Whether the agent failed often enough in a row that its set should move to another node. */
  shouldHandOver(set: ProjectionSet, shard: ShardName): boolean {
    return this.#handOverAfter > 0 && (this.#runs.get(keyOf(set, shard))?.count ?? 0) >= this.#handOverAfter;
  }

  /** Ends the runs of agents that have run well for a while (see the class); call once per cycle. */
  forgetRecovered(now: number, isRunning: (set: ProjectionSet, shard: ShardName) => boolean): void {
    for (const [key, run] of this.#runs) {
      if (run.handedOver) continue;
      if (!isRunning(run.set, run.shard)) {
        run.runningSince = undefined;
        continue;
      }
      run.runningSince ??= now;
      if (now - run.runningSince >= this.#healthyAfter(run.count)) this.#runs.delete(key);
    }
  }

  /** "A while": how long an agent must run without failing to have recovered. */
  #healthyAfter(count: number): number {
    return Math.max(this.#policy.initialMs, backoffDelay(this.#policy, count));
  }

  /**
   * The set left this node: its agents' runs end here, unless it was handed over for failing (then
   * they are kept, unreported, and continue if this node takes the set again).
   */
  forgetSet(set: ProjectionSet, handedOverForFailing = false): void {
    for (const shard of set.names) {
      const key = keyOf(set, shard);
      const run = this.#runs.get(key);
      if (run === undefined) continue;
      if (handedOverForFailing) {
        run.handedOver = true;
        run.runningSince = undefined;
      } else {
        this.#runs.delete(key);
      }
    }
  }

  /**
   * `AGENTS_FAILING`: unhealthy when every agent this node runs is failing, else degraded. A set
   * handed over for failing stays reported for one restart step after its last failure (so a single
   * node that takes it back and fails again does not flap to healthy in between).
   */
  reasons(agentsStartedHere: number, now: number): HealthReason[] {
    const runs = [...this.#runs.values()].filter((run) => !run.handedOver || now - run.lastAt < this.#healthyAfter(run.count));
    if (runs.length === 0) return [];
    const last = runs.reduce((latest, run) => (run.lastAt > latest.lastAt ? run : latest));
    return [
      {
        code: 'AGENTS_FAILING',
        status: runs.length >= agentsStartedHere ? 'unhealthy' : 'degraded',
        message: `${runs.length} agent(s) failing here (up to ${Math.max(...runs.map((run) => run.count))} times in a row); last: ${describe(last.lastError)}`,
        since: Math.min(...runs.map((run) => run.since)),
        shards: runs.map((run) => `${run.set.database.id}/${run.shard.identity}`),
        count: Math.max(...runs.map((run) => run.count)),
        error: last.lastError,
      },
    ];
  }
}

function keyOf(set: ProjectionSet, shard: ShardName): string {
  return `${set.key}\u0000${shard.identity}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
