import type { Logger } from '@polecat/app-lock';
import type { ProjectionDatabase } from '../../projection-database';
import type { ProjectionSet } from '../../projection-set';
import type { ShardName } from '../../shard-name';

/** What a layout may read from the distributor that composes it. */
export interface LayoutContext {
  readonly daemonLockId: number;
  readonly logger: Logger;
  /** The lock host `database` shares with other databases (see `LockHostSource`); `undefined`: one of its own. */
  lockHostOf(database: ProjectionDatabase): string | undefined;
}

/**
 * What tells one lock-owning distributor from another: how the shards of a database are laid out
 * into sets (and their lock ids), and how its nodes are told apart in member-slot ids. Everything
 * else (lock owners, attempts, membership, losses) is shared.
 */
export interface SetLayout {
  /** The distributor's name in member-slot scopes (`single-tenant`, `multi-tenanted`). */
  readonly name: string;
  /** The sets of one database (its shards already validated). */
  setsFor(database: ProjectionDatabase, shards: readonly ShardName[]): readonly ProjectionSet[];
  /** This store's member-slot scope on `database`; default `{name}:{schema}:{daemonLockId}` (see `LockScopes`). */
  memberScope?(database: ProjectionDatabase): string;
  /** This store's member-slot scope in the lock home of `lockHost`; default `{name}:{daemonLockId}@{lockHost}`. */
  homeScope?(lockHost: string): string;
}

/** Creates a distributor's layout once its settings are read. */
export type SetLayoutFactory = (context: LayoutContext) => SetLayout;
