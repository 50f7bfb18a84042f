import { InMemoryLockServer, type LockId } from '@polecat/app-lock';
import { describe, expect, it } from 'vitest';
import { probeRing, type ProbingLock } from '../src/internal/lock-owning/membership';
import type { ProjectionSet } from '../src/projection-set';
import { shardName } from '../src/shard-name';
import { SingleTenantProjectionDistributor } from '../src/single-tenant-projection-distributor';
import { seededRandom } from './support';

async function setsOf(names: readonly string[]): Promise<readonly ProjectionSet[]> {
  const server = new InMemoryLockServer();
  const distributor = new SingleTenantProjectionDistributor({
    databases: [{ id: 'main', schema: 'app' }],
    shards: names.map((name) => shardName(name)),
    random: seededRandom(1),
    createLock: () => server.createLock({ owner: 'builder', verifyIntervalMs: 0 }),
  });
  const sets = await distributor.buildDistribution();
  await distributor.dispose();
  return [...sets].sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** A lock of `server` whose probes are recorded (and can run something while the probe is on its way). */
function recordingLock(server: InMemoryLockServer, owner: string, during?: () => Promise<void>) {
  const lock = server.createLock({ owner, verifyIntervalMs: 0 }) as ProbingLock;
  const probes: LockId[][] = [];
  const probeLocks = lock.probeLocks.bind(lock);
  lock.probeLocks = async (ids, options) => {
    probes.push([...ids]);
    await during?.();
    return probeLocks(ids, options);
  };
  return { lock, probes };
}

describe('probeRing', () => {
  const slots = ['slot:0', 'slot:1', 'slot:2'];

  it("probes every slot, then each unheld set's lock id once, in distribution order; held sets are left out", async () => {
    const [a, b, c, d] = (await setsOf(['A', 'B', 'C', 'D'])) as [ProjectionSet, ProjectionSet, ProjectionSet, ProjectionSet];
    const twin: ProjectionSet = { ...b, key: `${b.key}-twin` }; // another set on b's lock id
    const server = new InMemoryLockServer();
    const { lock, probes } = recordingLock(server, 'n1');
    await lock.tryAttainLock(c.lockId);
    const ring = await probeRing(lock, slots, [d, b, c, twin, a], seededRandom(2));
    expect(probes[0]).toEqual([...slots, d.lockId, b.lockId, a.lockId]);
    expect([...ring.membership.free]).toEqual([d.key, b.key, twin.key, a.key]);
  });

  it('reports free only the unheld sets nobody holds, re-checked after the probe answered', async () => {
    const [a, b, c] = (await setsOf(['A', 'B', 'C'])) as [ProjectionSet, ProjectionSet, ProjectionSet];
    const server = new InMemoryLockServer();
    const other = server.createLock({ owner: 'n2', verifyIntervalMs: 0 });
    await other.tryAttainLock(a.lockId);
    // taken HERE while the probe was on its way: not free (the server saw it free, this node holds it now)
    const { lock } = recordingLock(server, 'n1', async () => {
      await lock.tryAttainLock(b.lockId);
    });
    const ring = await probeRing(lock, slots, [a, b, c], seededRandom(3));
    expect([...ring.membership.free]).toEqual([c.key]);
    expect(ring.membership.liveNodes).toBe(1);
    await other.dispose();
    await lock.dispose();
  });
});
