import type { ProjectionSet } from '@polecat/distributors';
import type { CoordinatorRegistration } from './coordinator-registration';
import { createDistributor } from './create-projection-coordinator';
import { DiAdapterError } from './errors';

interface Claim {
  readonly store: string;
  readonly set: ProjectionSet;
}

/** Which lock ids a registration takes, per database; `undefined` when that cannot be known up front. */
async function setsOf(registration: CoordinatorRegistration): Promise<readonly ProjectionSet[] | undefined> {
  const { mode, options } = registration;
  // Only the distributors this package builds over a fixed database list: a ready distributor or a
  // databases function is the caller's to check (the function may not be callable before start).
  if (mode !== 'HotCold' || options.distributor !== undefined || !Array.isArray(options.databases ?? [])) return undefined;
  const { logger: _logger, ...quiet } = options;
  const distributor = createDistributor(mode, quiet);
  if (distributor === undefined) return undefined;
  try {
    return await distributor.buildDistribution(); // no lock is created: locks connect on the first attempt
  } finally {
    await distributor.dispose();
  }
}

/**
 * Refuses registrations whose stores would take the SAME lock id in the SAME database: with
 * SingleTenant distribution the lock id hashes the schema and the shard identity, so two stores
 * with a shard `Trip` (same schema, same `daemonLockId`) share one lock and one of the two shards
 * never runs. Databases are the same when their `id` is equal (the default database is `default`
 * in every store). Only HotCold registrations with a fixed `databases` list and no ready
 * `distributor` are checked. Builds distributions only: no lock is taken, nothing connects.
 * @throws DiAdapterError `SHARED_LOCK_ID` naming both stores, the database, the lock id and the shards.
 */
export async function assertNoSharedLockIds(registrations: Iterable<CoordinatorRegistration>): Promise<void> {
  const claims = new Map<string, Claim>();
  for (const registration of registrations) {
    const sets = await setsOf(registration);
    for (const set of sets ?? []) {
      const key = `${set.database.id}\u0000${set.lockId}`;
      const other = claims.get(key);
      if (other !== undefined && other.store !== registration.store) {
        const shards = (claim: Claim): string => claim.set.names.map((name) => name.identity).join(', ');
        throw new DiAdapterError(
          'SHARED_LOCK_ID',
          `Stores "${other.store}" (${shards(other)}) and "${registration.store}" (${shards({ store: registration.store, set })}) ` +
            `would both take lock id ${set.lockId} in database "${set.database.id}", so one of them would never run. ` +
            `Give one store its own settings.daemonLockId (or its own schema); if the two databases are different, give them different ids.`,
        );
      }
      claims.set(key, { store: registration.store, set });
    }
  }
}
