import { InMemoryLockServer } from '@polecat/app-lock';
import { describe, expect, it, vi } from 'vitest';
import { CoordinatorRegistry, DiAdapterError, asyncDaemon, assertNoSharedLockIds, projectionCoordinator } from '../src/index';

const createLock = vi.fn(() => new InMemoryLockServer().createLock());
const shard = { Trip: async () => {} };

async function codeOf(run: Promise<unknown>): Promise<string | undefined> {
  return run.then(
    () => undefined,
    (error: unknown) => (DiAdapterError.is(error) ? error.code : String(error)),
  );
}

describe('assertNoSharedLockIds', () => {
  it('refuses two HotCold stores with the same shard name in one database, and never creates a lock to find out', async () => {
    const registry = new CoordinatorRegistry([
      projectionCoordinator('HotCold', { shards: shard, createLock }),
      projectionCoordinator('HotCold', { store: 'orders', shards: { ...shard, Order: async () => {} }, createLock }),
    ]);
    expect(await codeOf(registry.validate())).toBe('SHARED_LOCK_ID');
    expect(createLock).not.toHaveBeenCalled();
  });

  it('accepts them apart: their own daemonLockId, their own schema, different database ids, or one store without locks', async () => {
    const other = { store: 'orders', shards: shard, createLock };
    await expect(
      assertNoSharedLockIds([
        projectionCoordinator('HotCold', { shards: shard, createLock }),
        projectionCoordinator('HotCold', { ...other, settings: { daemonLockId: 5555 } }),
      ]),
    ).resolves.toBeUndefined();
    await expect(
      assertNoSharedLockIds([
        projectionCoordinator('HotCold', { shards: shard, createLock }),
        projectionCoordinator('HotCold', { ...other, databases: [{ id: 'default', schema: 'orders' }] }),
      ]),
    ).resolves.toBeUndefined();
    await expect(
      assertNoSharedLockIds([
        projectionCoordinator('HotCold', { shards: shard, createLock }),
        projectionCoordinator('HotCold', { ...other, databases: [{ id: 'orders-db' }] }),
      ]),
    ).resolves.toBeUndefined();
    await expect(
      assertNoSharedLockIds([projectionCoordinator('HotCold', { shards: shard, createLock }), asyncDaemon({ store: 'orders', shards: shard })]),
    ).resolves.toBeUndefined();
  });

  it('MultiTenanted: per-store ids (default) never clash; polecat-compatible ids (the raw daemonLockId) do', async () => {
    const databases = [{ id: 'a' }, { id: 'b' }];
    const make = (lockIdStrategy: 'per-store' | 'polecat-compatible') => [
      projectionCoordinator('HotCold', { shards: shard, createLock, databases, lockIdStrategy }),
      projectionCoordinator('HotCold', { store: 'orders', shards: { Order: async () => {} }, createLock, databases, lockIdStrategy }),
    ];
    await expect(assertNoSharedLockIds(make('per-store'))).resolves.toBeUndefined();
    expect(await codeOf(assertNoSharedLockIds(make('polecat-compatible')))).toBe('SHARED_LOCK_ID');
  });
});
