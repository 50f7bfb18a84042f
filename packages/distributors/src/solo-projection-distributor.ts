import { LockLostError, toLogger, type Logger, type ReleaseOptions } from '@polecat/app-lock';
import { DEFAULT_DAEMON_LOCK_ID, assertDaemonLockId } from './compute-lock-id';
import type { DistributorCapabilities } from './distributor-capabilities';
import type { DistributorOptions, ShardSource } from './distributor-options';
import { DistributorError } from './errors';
import { assertStaticSources, makeSet, readDistribution } from './internal/read-distribution';
import { shuffle } from './internal/shuffle';
import type { DatabaseSource } from './projection-database';
import type { ProjectionDistributor, SetsLostEvent } from './projection-distributor';
import type { ProjectionSet } from './projection-set';

/** Options of {@link SoloProjectionDistributor} (no locks: no `createLock`; `clock` is unused). */
export type SoloProjectionDistributorOptions = DistributorOptions;

/**
 * No locks: one set per database with all its shards, always "held" (`hasLock` is `true` until
 * disposed), no start-up wait. For tests and an explicit single-node opt-out; never safe with two
 * nodes. Each set's {@link SoloProjectionDistributor.lockSignal | signal} aborts (reason: a
 * `LockLostError` with reason `released`) only when its database leaves the list or the
 * distributor is disposed. `release`, `releaseSets` and `releaseAll` are no-ops; `onSetsLost`
 * never fires. The set lock id is the raw `daemonLockId` (informational only).
 */
export class SoloProjectionDistributor implements ProjectionDistributor {
  /** @deprecated Read `capabilities` instead. */
  readonly kind = 'solo' as const;
  /** No locks: the coordinator runs it in `Solo` mode only. */
  readonly capabilities: DistributorCapabilities = Object.freeze({ solo: true });
  readonly #databases: DatabaseSource;
  readonly #shards: ShardSource;
  readonly #daemonLockId: number;
  readonly #random: () => number;
  readonly #logger: Logger;
  /** Signal controllers by set key. */
  readonly #signals = new Map<string, { readonly set: ProjectionSet; readonly controller: AbortController }>();
  #disposed = false;

  constructor(options: SoloProjectionDistributorOptions) {
    this.#daemonLockId = options.daemonLockId ?? DEFAULT_DAEMON_LOCK_ID;
    assertDaemonLockId(this.#daemonLockId);
    assertStaticSources(options.databases, options.shards);
    this.#databases = options.databases;
    this.#shards = options.shards;
    this.#random = options.random ?? Math.random;
    this.#logger = toLogger(options.logger);
  }

  async buildDistribution(signal?: AbortSignal): Promise<readonly ProjectionSet[]> {
    this.#assertNotDisposed();
    const read = await readDistribution(this.#databases, this.#shards, signal);
    this.#assertNotDisposed();
    const sets = read.flatMap(({ database, shards }) => (shards.length === 0 ? [] : [makeSet(database, this.#daemonLockId, shards)]));
    const current = new Set(read.map(({ database }) => database.id));
    for (const [key, entry] of this.#signals) {
      if (current.has(entry.set.database.id)) continue;
      this.#signals.delete(key);
      entry.controller.abort(new LockLostError([entry.set.lockId], 'released'));
      this.#logger.info('database removed: its solo set is no longer run', { database: entry.set.database.id });
    }
    return shuffle(sets, this.#random);
  }

  /** No wait: a solo node has nobody to stagger with. */
  async randomWait(_signal?: AbortSignal): Promise<void> {}

  hasLock(_set: ProjectionSet): boolean {
    return !this.#disposed;
  }

  lockSignal(set: ProjectionSet): AbortSignal | undefined {
    if (this.#disposed) return undefined;
    let entry = this.#signals.get(set.key);
    if (entry === undefined) {
      entry = { set, controller: new AbortController() };
      this.#signals.set(set.key, entry);
    }
    return entry.controller.signal;
  }

  async tryAttain(_set: ProjectionSet): Promise<boolean> {
    this.#assertNotDisposed();
    return true;
  }

  async tryAttainMany(sets: readonly ProjectionSet[]): Promise<ReadonlySet<string>> {
    this.#assertNotDisposed();
    return new Set(sets.map((set) => set.key));
  }

  async release(_set: ProjectionSet, _options?: ReleaseOptions): Promise<void> {}

  async releaseSets(_sets: readonly ProjectionSet[], _options?: ReleaseOptions): Promise<void> {}

  async releaseAll(_options?: ReleaseOptions): Promise<void> {}

  onSetsLost(_listener: (event: SetsLostEvent) => void): () => void {
    return () => {};
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const { set, controller } of this.#signals.values()) {
      controller.abort(new LockLostError([set.lockId], 'released'));
    }
    this.#signals.clear();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  #assertNotDisposed(): void {
    if (this.#disposed) throw new DistributorError('DISPOSED', 'The distributor was disposed');
  }
}
