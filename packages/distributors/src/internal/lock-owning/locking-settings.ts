import { systemClock, toLogger, type AppLock, type Clock, type Logger } from '@polecat/app-lock';
import { DEFAULT_MAX_NODES } from '../../cluster-membership';
import { DEFAULT_DAEMON_LOCK_ID, assertDaemonLockId } from '../../compute-lock-id';
import type { LockHostSource, LockingDistributorOptions, ShardSource } from '../../distributor-options';
import { DistributorError } from '../../errors';
import type { DatabaseSource, ProjectionDatabase } from '../../projection-database';
import { assertStaticSources } from '../read-distribution';

/** {@link LockingDistributorOptions} checked, with their defaults filled in. */
export interface LockingSettings {
  readonly databases: DatabaseSource;
  readonly shards: ShardSource;
  readonly daemonLockId: number;
  readonly random: () => number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxNodes: number;
  readonly lockHost: LockHostSource | undefined;
  /** Whether databases with a lock host share one lock owner per host (`createHomeLock`). */
  readonly homes: boolean;
  readonly watchMembers: boolean;
  /** Creates a lock owner's lock (a home's when `home` is set); called once more per owner for its member watcher. */
  readonly createLock: (database: ProjectionDatabase, home: string | undefined) => AppLock;
}

/** Checks the options of a lock-owning distributor (throws `INVALID_CONFIGURATION` at construction) and fills in the defaults. */
export function readLockingSettings(options: LockingDistributorOptions): LockingSettings {
  const daemonLockId = options.daemonLockId ?? DEFAULT_DAEMON_LOCK_ID;
  assertDaemonLockId(daemonLockId);
  const { createLock, createHomeLock, lockHost } = options;
  if (createHomeLock !== undefined && typeof createHomeLock !== 'function') {
    throw new DistributorError('INVALID_CONFIGURATION', 'createHomeLock must be a function (lockHost) => AppLock');
  }
  if (typeof createLock !== 'function' && (createLock !== undefined || createHomeLock === undefined)) {
    throw new DistributorError('INVALID_CONFIGURATION', 'createLock must be a function (database) => AppLock');
  }
  if (createHomeLock !== undefined && lockHost === undefined) {
    throw new DistributorError('INVALID_CONFIGURATION', 'createHomeLock needs lockHost (which databases share which lock home)');
  }
  assertStaticSources(options.databases, options.shards);
  const maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
  if (!Number.isInteger(maxNodes) || maxNodes < 0 || maxNodes > 10_000) {
    throw new DistributorError('INVALID_CONFIGURATION', `maxNodes must be an integer in [0, 10000], got ${String(options.maxNodes)}`);
  }
  if (lockHost !== undefined && typeof lockHost !== 'function' && (typeof lockHost !== 'string' || lockHost.length === 0)) {
    throw new DistributorError('INVALID_CONFIGURATION', 'lockHost must be a non-empty string or a function (database) => string | undefined');
  }
  return {
    databases: options.databases,
    shards: options.shards,
    daemonLockId,
    random: options.random ?? Math.random,
    clock: options.clock ?? systemClock,
    logger: toLogger(options.logger),
    maxNodes,
    lockHost,
    homes: createHomeLock !== undefined,
    watchMembers: options.watchMembers ?? true,
    createLock: (database, home) => {
      if (home !== undefined) return createHomeLock!(home);
      if (createLock === undefined) {
        throw new DistributorError(
          'INVALID_CONFIGURATION',
          `database ${database.id} has no lock host, and there is no createLock for it (only createHomeLock)`,
        );
      }
      return createLock(database);
    },
  };
}
