import type pg from 'pg';
import { LockLostError } from '@polecat/app-lock';
import type { AgentContext } from '@polecat/coordinator';
import { FencingEpochSource, PostgresEpochStore, StaleEpochError } from '@polecat/fencing';
import type { ChaosNodeConfig, ChaosNodeEvent } from './config';

/** Counters a node reports. */
export interface NodeStats {
  writes: number;
  refused: number;
  errors: number;
  grants: number;
  owned: number;
  finishing: number;
}

/** Whether an abort reason is an involuntary loss (the lock is gone at the server): abandon at once. */
export function isInvoluntary(reason: unknown): boolean {
  return LockLostError.isLockLost(reason) && reason.reason !== 'released';
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * `pool.connect()` that an abandon ends at once: an agent whose lock is gone must not sit in the
 * pool's queue (all writers may be held by other agents) while another node runs its shard. A
 * client that arrives after the abandon goes straight back to the pool.
 */
function checkout(pool: pg.Pool, abandon: AbortSignal): Promise<pg.PoolClient> {
  if (abandon.aborted) return Promise.reject(new Error('abandoned'));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new Error('abandoned'));
    abandon.addEventListener('abort', onAbort, { once: true });
    pool.connect().then(
      (client) => {
        abandon.removeEventListener('abort', onAbort);
        if (abandon.aborted) client.release();
        else resolve(client);
      },
      (error: unknown) => {
        abandon.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * The agents of a chaos node. Each run records itself (`run-start` / `run-end` on stdout: the
 * agent-side ledger) and appends a fenced ledger row every `writeIntervalMs`
 * (`BEGIN; assertCurrent (FOR SHARE); INSERT; COMMIT`). After a VOLUNTARY stop (hand-over, pause,
 * stop: the lock is still held) it needs `finishMs` to finish its batch, then writes once more;
 * after an INVOLUNTARY loss (the lock is gone at the server), or when its lock is lost while it
 * finishes (`abandon(key)`, wired to the distributors' onSetsLost), it abandons the batch at once
 * (its in-flight write's connection is destroyed), as a fenced projection whose next write fails.
 */
export class ChaosAgents {
  readonly stats: NodeStats = { writes: 0, refused: 0, errors: 0, grants: 0, owned: 0, finishing: 0 };
  readonly phases = new Map<string, number>();
  readonly #config: ChaosNodeConfig;
  readonly #pool: pg.Pool;
  readonly #store: PostgresEpochStore;
  readonly #emit: (event: ChaosNodeEvent) => void;
  readonly #random: () => number;
  readonly #abandon = new Map<string, AbortController>();
  readonly fencing: FencingEpochSource;

  /**
   * @param pool The writers' pool (ledger writes, `assertCurrent` on the writer's own client).
   * @param grantPool A small pool of its own for epoch grants (`nextEpoch`), so a grant never
   *   queues behind the agents' writes when a node suddenly takes over many shards.
   */
  constructor(config: ChaosNodeConfig, pool: pg.Pool, grantPool: pg.Pool, emit: (event: ChaosNodeEvent) => void, random: () => number) {
    this.#config = config;
    this.#pool = pool;
    this.#emit = emit;
    this.#random = random;
    this.#store = new PostgresEpochStore(grantPool, { table: config.epochTable, createTable: false });
    this.fencing = new FencingEpochSource({ store: this.#store });
  }

  /** The lock of `key`'s shard was lost while its agent may be finishing: abandon now. */
  abandon(key: string): void {
    this.#abandon.get(key)?.abort();
  }

  readonly agent = async ({ signal, shard, database, epoch }: AgentContext): Promise<void> => {
    const key = `${database.id}/${shard.identity}`;
    const fenceKey = this.fencing.keyFor(database, shard);
    this.#emit({ type: 'run-start', key, at: performance.timeOrigin + performance.now() });
    const abandon = new AbortController();
    this.#abandon.set(key, abandon);
    const lost = (): void => {
      if (isInvoluntary(signal.reason)) abandon.abort();
    };
    signal.addEventListener('abort', lost, { once: true });
    this.stats.owned += 1;
    try {
      if (fenceKey === undefined || epoch === undefined) throw new Error('agent started without a fencing key/epoch');
      while (!signal.aborted) {
        await sleep(this.#config.writeIntervalMs, signal);
        if (signal.aborted) break;
        await this.#write(fenceKey, key, epoch, abandon.signal);
      }
      if (!abandon.signal.aborted) {
        // a voluntary stop: finish the current batch (0.5-10 s, some beyond stopDrainTimeoutMs), then write it
        this.stats.finishing += 1;
        try {
          // the batch keeps writing (fenced, its lock still held) until it is done
          const { min, max } = this.#config.finishMs;
          const doneAt = Date.now() + Math.round(min + this.#random() * (max - min));
          while (!abandon.signal.aborted && Date.now() < doneAt) {
            await sleep(Math.min(this.#config.writeIntervalMs, Math.max(0, doneAt - Date.now())), abandon.signal);
            if (abandon.signal.aborted) break;
            await this.#write(fenceKey, key, epoch, abandon.signal).catch(() => abandon.abort()); // refused: stale, stop
          }
        } finally {
          this.stats.finishing -= 1;
        }
      }
    } finally {
      signal.removeEventListener('abort', lost);
      if (this.#abandon.get(key) === abandon) this.#abandon.delete(key);
      this.stats.owned -= 1;
      this.#emit({ type: 'run-end', key, at: performance.timeOrigin + performance.now() });
    }
  };

  /** One fenced write; a stale epoch escapes (the coordinator hands the set over), other errors are counted. */
  async #write(fenceKey: string, shard: string, epoch: bigint, abandon: AbortSignal): Promise<void> {
    try {
      await this.#fencedWrite(fenceKey, shard, epoch, abandon);
      this.stats.writes += 1;
    } catch (error) {
      if (StaleEpochError.isStale(error)) {
        this.stats.refused += 1;
        throw error;
      }
      this.stats.errors += 1;
      if (this.stats.errors <= 3 || process.env.CHAOS_DEBUG)
        process.stderr.write(`[${this.#config.node}] write failed: ${error instanceof Error ? error.message : String(error)}\n`);
      await sleep(100, abandon);
    }
  }

  async #phase<T>(name: string, work: Promise<T>): Promise<T> {
    this.phases.set(name, (this.phases.get(name) ?? 0) + 1);
    try {
      return await work;
    } finally {
      this.phases.set(name, this.phases.get(name)! - 1);
    }
  }

  async #fencedWrite(fenceKey: string, shard: string, epoch: bigint, abandon: AbortSignal): Promise<void> {
    if (abandon.aborted) throw new Error('abandoned');
    const client = await this.#phase('connect', checkout(this.#pool, abandon));
    const onError = (): void => {}; // a cut connection errors between queries: the next query rejects instead
    client.on('error', onError);
    // abandoning destroys the connection: its transaction dies with it (never committed)
    const destroy = (): void => (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    abandon.addEventListener('abort', destroy, { once: true });
    let broken: unknown;
    let refused: StaleEpochError | undefined;
    try {
      await this.#phase('begin', client.query('BEGIN'));
      try {
        await this.#phase('assert', this.#store.assertCurrent(client, fenceKey, epoch));
        await this.#phase(
          'insert',
          client.query(`INSERT INTO ${this.#config.ledgerTable} (shard, node, pid, epoch) VALUES ($1, $2, $3, $4)`, [
            shard,
            this.#config.node,
            process.pid,
            epoch.toString(),
          ]),
        );
        await this.#phase('commit', client.query('COMMIT'));
      } catch (error) {
        await this.#phase('rollback', client.query('ROLLBACK')).catch((e: unknown) => (broken = e));
        if (!StaleEpochError.isStale(error)) throw error;
        refused = error;
      }
    } catch (error) {
      broken = error;
      throw error;
    } finally {
      abandon.removeEventListener('abort', destroy);
      client.off('error', onError);
      client.release(broken instanceof Error ? broken : abandon.aborted ? new Error('abandoned') : undefined);
    }
    if (refused === undefined) return;
    // Recorded AFTER the client went back: asking the pool for a second client while holding one
    // deadlocks once every client is held by an agent doing the same.
    await this.#phase(
      'record-refusal',
      this.#pool.query(`INSERT INTO ${this.#config.refusalTable} (shard, node, pid, epoch, current_epoch) VALUES ($1, $2, $3, $4, $5)`, [
        shard,
        this.#config.node,
        process.pid,
        epoch.toString(),
        refused.currentEpoch?.toString() ?? null,
      ]),
    );
    throw refused;
  }
}
