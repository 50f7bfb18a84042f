import type { DaemonMode, ProjectionCoordinator } from '@polecat/coordinator';
import { DEFAULT_STORE, DiAdapterError, createProjectionCoordinator, type CoordinatorOptions } from '@polecat/di-adapters';
import { loggerOrStderr } from '@polecat/kit';
import { lockFactoryFor, type LockConnection } from './lock-factory';
import { checkRunShardsOptions, probeDatabases } from './run-shards-options';

/** The `lockHost` runShards gives every database when one `connection` serves several databases. */
export const SHARED_CONNECTION_HOST = 'runShards:connection';

/** Options of {@link runShards}: a connection, the shard functions, and any coordinator option. */
export interface RunShardsOptions extends CoordinatorOptions {
  /** Where the locks live (see {@link LockConnection}). Required unless `createLock` or `distributor` is given. */
  readonly connection?: LockConnection;
  /** Default `'HotCold'`: the shards spread over every node running the same code. */
  readonly mode?: DaemonMode;
  /** `application_name` / `APP_NAME()` of the lock connections. */
  readonly applicationName?: string;
  /**
   * With several databases on one `connection`: `true` (default) puts all their locks in ONE lock
   * home, one lock connection per node whatever the number of tenants (`createHomeLock`); `false`
   * opens one lock connection per database per node, as before (same lock ids either way).
   */
  readonly lockHome?: boolean;
}

/**
 * The shortest path: run `shards` across every node that calls this with the same connection.
 * Each shard runs on exactly one node at a time; when a node stops or dies, another takes its
 * shards over. With several `databases` (tenants) and one `connection`, every database's locks
 * live on that one server: their lock ids then include the database's identity
 * (`lockHost: SHARED_CONNECTION_HOST`), so every tenant runs and tenants spread over the nodes, and
 * they share ONE lock connection per node (a lock home; `lockHome: false` for one per database). Resolves with the STARTED coordinator; `await using` (or `stop()`) drains it.
 * @example
 * await using coordinator = await runShards({
 *   connection: process.env.DATABASE_URL!, // postgres://... or Server=...;Database=...
 *   shards: { Trip: async ({ signal }) => { while (!signal.aborted) await work(signal); } },
 * });
 */
export async function runShards(options: RunShardsOptions): Promise<ProjectionCoordinator> {
  checkRunShardsOptions(options);
  const { connection, mode = 'HotCold', applicationName, lockHome = true, ...given } = options;
  // ONE logger for the locks and the coordinator: none given is stderr (not silence), false silences
  const rest = { ...given, logger: loggerOrStderr(given.logger) };
  await probeDatabases(rest.databases, rest.store ?? DEFAULT_STORE);
  let createLock = rest.createLock;
  let lockHost = rest.lockHost;
  let createHomeLock = rest.createHomeLock;
  if (createLock === undefined && rest.distributor === undefined && mode === 'HotCold') {
    if (connection === undefined) {
      throw new DiAdapterError(
        'INVALID_CONFIGURATION',
        "runShards needs a connection (postgres://..., Server=...;..., or { backend: 'memory' }), a createLock or a distributor",
      );
    }
    createLock = await lockFactoryFor(connection, { ...(applicationName === undefined ? {} : { applicationName }), logger: rest.logger });
    // ONE connection for every database: with several databases their locks share one server, so
    // each database's lock ids must include its identity (else only one tenant runs in the cluster).
    // One static database keeps the original ids (.NET-compatible, unchanged across upgrades).
    const single = rest.databases === undefined || (Array.isArray(rest.databases) && rest.databases.length === 1);
    if (!single) {
      lockHost ??= SHARED_CONNECTION_HOST;
      // ...and they can share ONE lock owner per node (a lock home): one connection, one attempt and
      // one probe round trip per cycle for all of them, instead of one of each per database.
      const factory = createLock;
      if (lockHome) createHomeLock ??= (home) => factory({ id: home });
    }
  }
  const coordinator = createProjectionCoordinator(mode, {
    ...rest,
    ...(createLock === undefined ? {} : { createLock }),
    ...(lockHost === undefined ? {} : { lockHost }),
    ...(createHomeLock === undefined ? {} : { createHomeLock }),
  });
  try {
    await coordinator.start();
  } catch (error) {
    await coordinator.stop().catch(() => undefined); // nothing may stay open when the caller gets no coordinator
    throw error;
  }
  return coordinator;
}
