import { InMemoryLockServer, silentLogger, type AppLock } from '@polecat/app-lock';
import { withoutReleaseNotices } from '@polecat/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProjectionSet } from '../src/projection-set';
import { shardName } from '../src/shard-name';
import { SingleTenantProjectionDistributor } from '../src/single-tenant-projection-distributor';
import { NOTICE_SUFFIX } from '../src/internal/lock-owning/notice-bell';
import { seededRandom } from './support';

const shards = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'].map((name) => shardName(name));
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await tick();
  if (!check()) throw new Error(`not reached: ${what}`);
}

interface Node {
  readonly name: string;
  readonly distributor: SingleTenantProjectionDistributor;
  readonly left: string[];
  readonly locks: AppLock[];
  notices: number;
  sets: readonly ProjectionSet[];
}

describe('notice bells (release notices relayed round the ring of member watchers, for locks without a notice channel)', () => {
  const nodes: Node[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.distributor.dispose()));
  });

  function node(server: InMemoryLockServer, name: string, notices = false): Node {
    let count = 0;
    const distributor = new SingleTenantProjectionDistributor({
      databases: [{ id: 'main', schema: 'app' }],
      shards,
      daemonLockId: 9,
      random: seededRandom(name.charCodeAt(0)),
      logger: silentLogger,
      createLock: () => {
        const lock = server.createLock({ owner: `${name}-${count++}`, verifyIntervalMs: 0 });
        result.locks.push(lock);
        return notices ? lock : withoutReleaseNotices(lock);
      },
    });
    const result: Node = { name, distributor, left: [], locks: [], notices: 0, sets: [] };
    distributor.onMemberLeft((databaseId) => result.left.push(databaseId));
    distributor.onReleaseNotice(() => (result.notices += 1));
    nodes.push(result);
    return result;
  }

  async function probe(...members: Node[]): Promise<void> {
    for (const n of members) {
      n.sets = await n.distributor.buildDistribution();
      await n.distributor.probeMembership(n.sets);
    }
  }

  /** Four members, each watching its predecessor's notice (four waiting requests). */
  async function ringOfFour(server: InMemoryLockServer): Promise<Node[]> {
    const members = ['a', 'b', 'c', 'd'].map((name) => node(server, name));
    await probe(...members, ...members);
    await until(() => server.waitingRequests === 4, 'four watchers waiting');
    return members;
  }

  it('a member holds its notice next to its member slot, and its successor waits on the notice', async () => {
    const server = new InMemoryLockServer();
    const members = await ringOfFour(server);
    for (const n of members) {
      const held = n.locks[0]!.heldLocks()
        .map(String)
        .filter((id) => id.startsWith('polecat:member:'));
      const slot = held.find((id) => !id.endsWith(NOTICE_SUFFIX))!;
      expect(held.sort()).toEqual([slot, `${slot}${NOTICE_SUFFIX}`]);
      const notice = `${slot}${NOTICE_SUFFIX}`;
      expect(server.holderOf(notice)).toBe(`${n.name}-0`);
      expect(server.waitersFor(notice)).toHaveLength(1);
    }
  });

  it("a member's death wakes EVERY survivor at once: the successor as a departure, the others through the relay", async () => {
    const server = new InMemoryLockServer();
    const [a, , c, d] = await ringOfFour(server);
    server.terminateSession('b-0');
    const survivors = [a!, c!, d!];
    await until(() => survivors.every((n) => n.left.length + n.notices > 0), 'every survivor woken');
    expect(survivors.filter((n) => n.left.length === 1)).toHaveLength(1); // exactly the successor saw a departure
    expect(survivors.filter((n) => n.notices > 0)).toHaveLength(2); // the other two heard the relayed notice
  });

  it('a released set rings: every other member hears a notice, and the ring stops after one lap', async () => {
    const server = new InMemoryLockServer();
    const members = await ringOfFour(server);
    const [a, ...others] = members;
    const mine = a!.sets.find((set) => a!.distributor.hasLock(set)) ?? a!.sets[0]!;
    if (!a!.distributor.hasLock(mine)) expect(await a!.distributor.tryAttain(mine)).toBe(true);
    await a!.distributor.release(mine);
    await until(() => others.every((n) => n.notices > 0), 'every other member heard the notice');
    expect(members.every((n) => n.left.length === 0)).toBe(true); // a ring is no departure
    // the lap back to the ringer is not relayed again (each node at most once per window)
    await probe(...members);
    for (let i = 0; i < 100; i++) await tick();
    expect(others.map((n) => n.notices)).toEqual([1, 1, 1]);
    await until(() => server.waitingRequests === 4, 'the watchers armed again');
  });

  it('a lock with its own release notices gets no notice locks (PostgreSQL, in-memory)', async () => {
    const server = new InMemoryLockServer();
    const members = ['a', 'b', 'c'].map((name) => node(server, name, true));
    await probe(...members, ...members);
    await until(() => server.waitingRequests === 3, 'three watchers waiting');
    for (const n of members) expect(n.locks.flatMap((lock) => lock.heldLocks().map(String)).filter((id) => id.endsWith(NOTICE_SUFFIX))).toEqual([]);
  });
});
