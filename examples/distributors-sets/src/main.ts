/**
 * Prints the projection sets and lock ids a configuration produces, for the single-tenant and the
 * multi-tenanted distributors, then shows which sets two nodes win against one in-memory server.
 * Run: pnpm --filter @polecat/example-distributors-sets start
 */
import { InMemoryLockServer } from '@polecat/app-lock';
import {
  MultiTenantedProjectionDistributor,
  SingleTenantProjectionDistributor,
  computeLockId,
  hash32,
  shardName,
  withTenant,
  type ProjectionDistributor,
  type ProjectionSet,
} from '@polecat/distributors';

const shards = [shardName('Trip'), shardName('Day'), shardName('Distance', { version: 2 }), shardName('Trip', { shardKey: 'Europe' })];
const tenants = ['acme', 'globex', 'initech'];

function printSets(title: string, sets: readonly ProjectionSet[]): void {
  console.log(`\n${title}`);
  const rows = [...sets]
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((set) => ({
      database: set.database.id,
      schema: set.database.schema ?? 'dbo',
      lockId: set.lockId,
      shards: set.names.map((name) => name.identity).join(', '),
    }));
  console.table(rows);
}

async function withDistributor<T>(distributor: ProjectionDistributor, use: (d: ProjectionDistributor) => Promise<T>): Promise<T> {
  try {
    return await use(distributor);
  } finally {
    await distributor.dispose();
  }
}

async function main(): Promise<void> {
  console.log('Lock id = abs(hash32(schema + ":" + identity)) + daemonLockId (int32, wrapping)');
  console.log(`  hash32("dbo:Trip:All") = ${hash32('dbo:Trip:All')}, lock id = ${computeLockId('dbo', 'Trip:All')}`);
  console.log(`  hash32("public:Trip:All") = ${hash32('public:Trip:All')}, lock id = ${computeLockId('public', 'Trip:All')}`);

  const server = new InMemoryLockServer();
  const createLock = () => server.createLock({ verifyIntervalMs: 0 });

  // Single tenant: one set (lock) per shard; tenant-expanded shards share the global shard's lock.
  const single = new SingleTenantProjectionDistributor({ databases: [{ id: 'main', schema: 'dbo' }], shards, createLock });
  await withDistributor(single, async (d) => printSets('SingleTenant, schema dbo: one set per shard', await d.buildDistribution()));

  const expanded = shards.flatMap((shard) => tenants.map((tenant) => withTenant(shard, tenant)));
  const singleExpanded = new SingleTenantProjectionDistributor({ databases: [{ id: 'main', schema: 'public' }], shards: expanded, createLock });
  await withDistributor(singleExpanded, async (d) =>
    printSets('SingleTenant, schema public, shards expanded per tenant: grouped by global shard', await d.buildDistribution()),
  );

  // Multi-tenanted: one set per tenant database with all shards behind one lock.
  const databases = tenants.map((tenant) => ({ id: `tenant-${tenant}`, schema: 'dbo' }));
  for (const [label, options] of [
    ['per-store (default), storeName "orders"', { storeName: 'orders' }],
    ['per-store (default), storeName "billing"', { storeName: 'billing' }],
    ['polecat-compatible (raw daemonLockId, like .NET)', { lockIdStrategy: 'polecat-compatible' }],
  ] as const) {
    const multi = new MultiTenantedProjectionDistributor({ databases, shards, createLock, ...options });
    await withDistributor(multi, async (d) => printSets(`MultiTenanted, ${label}`, await d.buildDistribution()));
  }

  // Two nodes race for the same locks: every set is won by exactly one.
  const nodeA = new SingleTenantProjectionDistributor({ databases: [{ id: 'main' }], shards, createLock });
  const nodeB = new SingleTenantProjectionDistributor({ databases: [{ id: 'main' }], shards, createLock });
  try {
    const setsA = await nodeA.buildDistribution();
    const heldA = await nodeA.tryAttainMany(setsA.slice(0, 2));
    const heldB = await nodeB.tryAttainMany(await nodeB.buildDistribution());
    console.log('\nTwo nodes, one database (node A tries 2 sets first, then node B tries all):');
    console.table(
      [...setsA]
        .sort((a, b) => a.key.localeCompare(b.key))
        .map((set) => ({
          set: set.names.map((n) => n.identity).join(', '),
          lockId: set.lockId,
          owner: heldA.has(set.key) ? 'A' : heldB.has(set.key) ? 'B' : '-',
        })),
    );
    if (setsA.some((set) => heldA.has(set.key) === heldB.has(set.key))) throw new Error('a set is held by both nodes or by none');
  } finally {
    await nodeA.dispose();
    await nodeB.dispose();
  }
}

await main();
