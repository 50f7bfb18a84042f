import type { EpochStore } from './epoch-store';
import { FencingError, StaleEpochError } from './fencing-error';
import { assertKey } from './internal/validate';

/** The parts of a `@polecat/distributors` `ProjectionSet` this adapter reads (declared structurally). */
export interface FencedSet {
  /** `{database.id}/{lockId}`. */
  readonly key: string;
  readonly database: { readonly id: string };
  readonly names: readonly { readonly identity: string }[];
}

/** Options of {@link FencingEpochSource}. */
export interface FencingEpochSourceOptions {
  /**
   * The epoch store of a database: one store for everything, or one per database (the epochs
   * must live in the database that holds the set's lock and the agents' data).
   */
  readonly store: EpochStore | ((database: { readonly id: string }) => EpochStore);
  /** The fencing key of a set. Default: `set.key` (`{database.id}/{lockId}`). */
  readonly keyOf?: (set: FencedSet) => string;
}

/**
 * The coordinator's `epochs` option (its `EpochSource`): on every grant of a set it bumps the
 * set's epoch in the set's database. Agents receive the epoch in their start context, and find
 * the fencing key of their shard with {@link FencingEpochSource.keyFor}.
 * @example
 * const fencing = new FencingEpochSource({ store: new PostgresEpochStore(pool) });
 * new ProjectionCoordinator({ mode: 'HotCold', distributor, daemonFor, epochs: fencing });
 * // in an agent: const key = fencing.keyFor(database, shard)!; await store.assertCurrent(tx, key, epoch!);
 */
export class FencingEpochSource {
  readonly #storeOf: (database: { readonly id: string }) => EpochStore;
  readonly #keyOf: (set: FencedSet) => string;
  readonly #keys = new Map<string, string>();

  constructor(options: FencingEpochSourceOptions) {
    const store = options?.store;
    if (typeof store === 'function') this.#storeOf = store;
    else if (typeof store === 'object' && store !== null && typeof store.nextEpoch === 'function') this.#storeOf = () => store;
    else throw new FencingError('STORE_FAILED', 'FencingEpochSource needs an epoch store or a function returning one per database');
    this.#keyOf = options.keyOf ?? ((set) => set.key);
  }

  /** Bumps and returns the epoch of `set` (called by the coordinator on every grant). */
  async nextEpoch(set: FencedSet, signal?: AbortSignal): Promise<bigint> {
    const key = this.#keyOf(set);
    assertKey(key);
    const epoch = await this.#storeOf(set.database).nextEpoch(key, signal);
    for (const name of set.names) this.#keys.set(shardKey(set.database.id, name.identity), key);
    return epoch;
  }

  /**
   * True when `error` is a {@link StaleEpochError}: an agent that lets it escape tells the
   * coordinator its epoch is stale, and the coordinator hands the set over so the next grant is
   * fresh (a former owner's late grant can outnumber the current owner's epoch).
   */
  isStale(error: unknown): boolean {
    return StaleEpochError.isStale(error);
  }

  /** The epoch store of `database`. */
  storeFor(database: { readonly id: string }): EpochStore {
    return this.#storeOf(database);
  }

  /**
   * The fencing key of the set that `shard` belonged to when this node last got an epoch for it,
   * or `undefined` if this node never did. Accepts a shard name object or its identity.
   */
  keyFor(database: { readonly id: string } | string, shard: { readonly identity: string } | string): string | undefined {
    const databaseId = typeof database === 'string' ? database : database.id;
    return this.#keys.get(shardKey(databaseId, typeof shard === 'string' ? shard : shard.identity));
  }
}

function shardKey(databaseId: string, identity: string): string {
  return `${databaseId}\u0000${identity}`;
}
