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
}

/**
 * Agent failure as a state of its own: consecutive failures per agent started here (a run ends when
 * the agent has run well for a restart step, or its set leaves this node), the restart delay after
 * each (exponential from `healthCheckPollingTimeMs`, capped), whether the set should be handed to
 * another node (`agentFailuresBeforeHandOver` consecutive failures: the failure may be local), and
 * the `AGENTS_FAILING` health reason.
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
    const run = this.#runs.get(key) ?? { set, shard, count: 0, since: now, lastAt: now, lastError: error };
    run.count += 1;
    run.lastAt = now;
    run.lastError = error;
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

  /** Ends the runs of agents that have been running a whole restart step since their last failure. */
  forgetRecovered(now: number, isRunning: (set: ProjectionSet, shard: ShardName) => boolean): void {
    for (const [key, run] of this.#runs) {
      const healthyAfter = backoffDelay(this.#policy, run.count) + this.#policy.initialMs;
      if (now - run.lastAt >= healthyAfter && isRunning(run.set, run.shard)) this.#runs.delete(key);
    }
  }

  /** The set left this node (released, lost, handed over): its agents' runs end here. */
  forgetSet(set: ProjectionSet): void {
    for (const shard of set.names) this.#runs.delete(keyOf(set, shard));
  }

  /** `AGENTS_FAILING`: unhealthy when every agent this node runs is failing, else degraded. */
  reasons(agentsStartedHere: number): HealthReason[] {
    if (this.#runs.size === 0) return [];
    const runs = [...this.#runs.values()];
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
