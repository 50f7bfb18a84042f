import type { Clock, Logger } from '@polecat/app-lock';
import type { ProjectionDatabase, ProjectionSet, ShardName } from '@polecat/distributors';
import type { CoordinatorEvents } from '../../coordinator-events';
import type { HealthReason } from '../../coordinator-health';
import { RateLimiter } from './rate-limiter';
import type { TypedEmitter } from '../typed-emitter';

interface Watched {
  readonly set: ProjectionSet;
  readonly shard: ShardName;
  readonly database: ProjectionDatabase;
  lastProgressAt: number;
  position?: unknown;
  stalledAt?: number;
}

/** One stalled agent (in `status().stalled`). */
export interface StalledAgent {
  readonly shard: string;
  readonly databaseId: string;
  readonly lastProgressAt: number;
  readonly stalledForMs: number;
  readonly position?: unknown;
}

/** Everything the stall watch needs. */
export interface StallWatchDeps {
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events: TypedEmitter<CoordinatorEvents>;
  /** Whether the agent still runs (a paused or returned agent is not stalled). */
  readonly isRunning: (set: ProjectionSet, shard: ShardName) => boolean;
  /** Called once per agent when it becomes stalled (restart / hand-over). */
  readonly onStalled: (set: ProjectionSet, shard: ShardName) => void;
}

const keyOf = (databaseId: string, identity: string): string => `${databaseId}/${identity}`;

/**
 * Judges agents by progress, not heartbeats: each running agent gets a `progress(position?)`
 * function; one that has not called it for `timeoutMs` (its start counts) is stalled. Checked on a
 * timer every `timeoutMs / 4` (at least 10 ms), so a stall is reported within 1.25 × `timeoutMs`.
 */
export class StallWatch {
  readonly #deps: StallWatchDeps;
  readonly #watched = new Map<string, Watched>();
  readonly #warnings = new RateLimiter(60_000);
  /** How many watched agents are stalled (status() iterates nothing while 0). */
  #stalledCount = 0;
  #lifetime: AbortController | undefined;

  constructor(deps: StallWatchDeps) {
    this.#deps = deps;
  }

  /** Starts watching an agent that just started; returns its `progress` function. */
  track(set: ProjectionSet, shard: ShardName): (position?: unknown) => void {
    const entry: Watched = { set, shard, database: set.database, lastProgressAt: this.#deps.clock.now() };
    const key = keyOf(set.database.id, shard.identity);
    this.#end(key, false);
    this.#watched.set(key, entry);
    return (position?: unknown) => {
      if (this.#watched.get(key) !== entry) return; // an old run's progress
      const now = this.#deps.clock.now();
      entry.lastProgressAt = now;
      if (position !== undefined) entry.position = position;
      if (entry.stalledAt !== undefined) {
        const stalledForMs = now - entry.stalledAt;
        entry.stalledAt = undefined;
        this.#stalledCount -= 1;
        this.#warnings.reset(key);
        this.#deps.logger.info('agent progressing again', { shard: key, stalledForMs });
        this.#deps.events.emit('agentStallEnded', { shard: entry.shard, database: entry.database, stalledForMs, stopped: false });
      }
    };
  }

  /** The agent stopped (any reason): no longer watched. */
  stopped(database: ProjectionDatabase, shard: ShardName): void {
    this.#end(keyOf(database.id, shard.identity), true);
  }

  #end(key: string, stopped: boolean): void {
    const entry = this.#watched.get(key);
    if (entry === undefined) return;
    this.#watched.delete(key);
    this.#warnings.reset(key);
    if (entry.stalledAt !== undefined) {
      this.#stalledCount -= 1;
      this.#deps.events.emit('agentStallEnded', {
        shard: entry.shard,
        database: entry.database,
        stalledForMs: this.#deps.clock.now() - entry.stalledAt,
        stopped,
      });
    }
  }

  /** Starts the periodic check (idempotent). */
  start(): void {
    if (this.#lifetime !== undefined) return;
    const lifetime = new AbortController();
    this.#lifetime = lifetime;
    const period = Math.max(10, Math.floor(this.#deps.timeoutMs / 4));
    void (async () => {
      while (!lifetime.signal.aborted) {
        try {
          await this.#deps.clock.sleep(period, lifetime.signal, { ref: false });
        } catch {
          return;
        }
        this.check();
      }
    })();
  }

  /** Stops the periodic check. */
  stop(): void {
    this.#lifetime?.abort();
    this.#lifetime = undefined;
  }

  /** One check of every watched agent (the timer calls it). */
  check(): void {
    const now = this.#deps.clock.now();
    for (const [key, entry] of this.#watched) {
      if (entry.stalledAt !== undefined || now - entry.lastProgressAt < this.#deps.timeoutMs) continue;
      if (!this.#deps.isRunning(entry.set, entry.shard)) continue;
      entry.stalledAt = now;
      this.#stalledCount += 1;
      const stalledForMs = now - entry.lastProgressAt;
      if (this.#warnings.allow(key, now) !== undefined) {
        this.#deps.logger.warn('agent stalled: no progress', {
          shard: key,
          stalledForMs,
          timeoutMs: this.#deps.timeoutMs,
          ...(entry.position === undefined ? {} : { position: entry.position }),
        });
      }
      this.#deps.events.emit('agentStalled', {
        shard: entry.shard,
        database: entry.database,
        lastProgressAt: entry.lastProgressAt,
        stalledForMs,
        ...(entry.position === undefined ? {} : { position: entry.position }),
      });
      this.#deps.onStalled(entry.set, entry.shard);
    }
  }

  /** The stalled agents now. */
  stalled(): StalledAgent[] {
    const result: StalledAgent[] = [];
    if (this.#stalledCount === 0) return result;
    const now = this.#deps.clock.now();
    for (const [, entry] of this.#watched) {
      if (entry.stalledAt === undefined) continue;
      result.push({
        shard: entry.shard.identity,
        databaseId: entry.database.id,
        lastProgressAt: entry.lastProgressAt,
        stalledForMs: now - entry.lastProgressAt,
        ...(entry.position === undefined ? {} : { position: entry.position }),
      });
    }
    return result;
  }

  reasons(): HealthReason[] {
    const stalled = this.stalled();
    if (stalled.length === 0) return [];
    return [
      {
        code: 'AGENTS_STALLED',
        status: 'degraded',
        message: `${stalled.length} agent(s) made no progress for ${this.#deps.timeoutMs} ms`,
        since: Math.min(...stalled.map((agent) => agent.lastProgressAt + this.#deps.timeoutMs)),
        shards: stalled.map((agent) => `${agent.databaseId}/${agent.shard}`),
      },
    ];
  }
}
