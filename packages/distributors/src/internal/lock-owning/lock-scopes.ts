import { DEFAULT_SCHEMA } from '../../compute-lock-id';
import type { LockHostSource } from '../../distributor-options';
import { DistributorError } from '../../errors';
import type { ProjectionDatabase } from '../../projection-database';
import type { SetLayout } from './set-layout';

/**
 * The lock host of `database` when it shares one with other databases (see `LockHostSource`): its
 * lock ids must then include its identity. `undefined`: a lock host of its own.
 */
export function lockHostOf(source: LockHostSource | undefined, database: ProjectionDatabase): string | undefined {
  if (source === undefined) return undefined;
  const host = typeof source === 'string' ? source : source(database);
  if (host !== undefined && (typeof host !== 'string' || host.length === 0)) {
    throw new DistributorError(
      'INVALID_CONFIGURATION',
      `lockHost returned ${String(host)} for database ${database.id}; expected a non-empty string or undefined`,
    );
  }
  return host;
}

/** What {@link LockScopes} reads. */
export interface LockScopesOptions {
  readonly lockHost: LockHostSource | undefined;
  /** Whether databases with a lock host share one lock owner per host (`createHomeLock`). */
  readonly homes: boolean;
  readonly daemonLockId: number;
}

/**
 * Where each database's locks live and how this store's nodes are named there: the lock host of a
 * database, its lock home (`createHomeLock`), and the member-slot scopes (per database, or per lock
 * home), which the layout may override.
 */
export class LockScopes {
  readonly #options: LockScopesOptions;
  readonly #layout: SetLayout;

  constructor(options: LockScopesOptions, layout: SetLayout) {
    this.#options = options;
    this.#layout = layout;
  }

  /** See {@link lockHostOf}. */
  lockHostOf(database: ProjectionDatabase): string | undefined {
    return lockHostOf(this.#options.lockHost, database);
  }

  /** The lock home of `database` (its lock host, when `createHomeLock` is given); `undefined`: an owner of its own. */
  homeOf(database: ProjectionDatabase): string | undefined {
    return this.#options.homes ? this.lockHostOf(database) : undefined;
  }

  /**
   * Identifies this store's nodes on `database` in member-slot ids (see `memberSlotId`). Default:
   * `{name}:{schema}:{daemonLockId}`, plus `:{database.id}` for a database with a lock host (its
   * slots live on a server shared with other databases, whose nodes must count apart).
   */
  memberScope(database: ProjectionDatabase): string {
    if (this.#layout.memberScope !== undefined) return this.#layout.memberScope(database);
    const base = `${this.#layout.name}:${database.schema ?? DEFAULT_SCHEMA}:${this.#options.daemonLockId}`;
    return this.lockHostOf(database) === undefined ? base : `${base}:${database.id}`;
  }

  /** Identifies this store's nodes in the member-slot ids of a lock home. Default: `{name}:{daemonLockId}@{lockHost}`. */
  homeScope(lockHost: string): string {
    if (this.#layout.homeScope !== undefined) return this.#layout.homeScope(lockHost);
    return `${this.#layout.name}:${this.#options.daemonLockId}@${lockHost}`;
  }
}
