import { AppLockError, InMemoryLockServer, type AppLock, type WaitForLockOptions, type LockId } from '@polecat/app-lock';
import { recordingLogger, type RecordingLogger } from '@polecat/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProjectionDistributor } from '../src/projection-distributor';
import type { ProjectionSet } from '../src/projection-set';
import { shardName } from '../src/shard-name';
import { SingleTenantProjectionDistributor } from '../src/single-tenant-projection-distributor';
import { MultiTenantedProjectionDistributor } from '../src/multi-tenanted-projection-distributor';
import { CountingLock, seededRandom } from './support';

const shards = ['A', 'B', 'C', 'D', 'E', 'F'].map((name) => shardName(name));
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await tick();
  if (!check()) throw new Error('condition not reached');
}

/** A lock whose waitForLock always fails like an unreachable server. */
class NoWaitLock extends CountingLock {
  waits = 0;
  waitForLock(_id: LockId, _options: WaitForLockOptions): Promise<boolean> {
    this.waits += 1;
    return Promise.reject(new AppLockError('CONNECTION_FAILED', 'watcher connection refused'));
  }
}

describe('member watchers (a waiting request on the predecessor member slot)', () => {
  const disposables: ProjectionDistributor[] = [];
  afterEach(async () => {
    await Promise.all(disposables.splice(0).map((d) => d.dispose()));
  });

  interface Node {
    readonly name: string;
    readonly distributor: SingleTenantProjectionDistributor;
    readonly locks: AppLock[];
    readonly left: string[];
    sets: readonly ProjectionSet[];
    readonly logger: RecordingLogger;
  }

  function node(server: InMemoryLockServer, name: string, options: { createWatcher?: () => AppLock; sameOwner?: boolean; watchMembers?: boolean } = {}): Node {
    const locks: AppLock[] = [];
    const logger = recordingLogger();
    let shared: AppLock | undefined;
    const distributor = new SingleTenantProjectionDistributor({
      databases: [{ id: 'main', schema: 'app' }],
      shards,
      daemonLockId: 9,
      random: seededRandom(name.charCodeAt(0)),
      logger,
      ...(options.watchMembers === undefined ? {} : { watchMembers: options.watchMembers }),
      createLock: () => {
        if (options.sameOwner === true && shared !== undefined) return shared;
        const lock =
          locks.length > 0 && options.createWatcher !== undefined
            ? options.createWatcher()
            : server.createLock({ owner: `${name}-${locks.length}`, verifyIntervalMs: 0 });
        shared ??= lock;
        locks.push(lock);
        return lock;
      },
    });
    disposables.push(distributor);
    const result: Node = { name, distributor, locks, left: [], sets: [], logger };
    distributor.onMemberLeft((databaseId) => result.left.push(databaseId));
    return result;
  }

  async function probe(...nodes: Node[]): Promise<void> {
    for (const n of nodes) {
      n.sets = await n.distributor.buildDistribution();
      await n.distributor.probeMembership(n.sets);
    }
  }

  /** The member slot a node holds through its main lock owner. */
  function slotOf(n: Node): string {
    return String(n.locks[0]!.heldLocks().find((id) => String(id).startsWith('polecat:member:')));
  }

  /** Who waits on whose slot: `watcher -> watched`, by node name. */
  function ring(server: InMemoryLockServer, nodes: readonly Node[]): Record<string, string> {
    const edges: Record<string, string> = {};
    for (const watched of nodes) for (const label of server.waitersFor(slotOf(watched))) edges[label.split('-')[0]!] = watched.name;
    return edges;
  }

  it('with two members each waits on the other; alone, nobody waits', async () => {
    const server = new InMemoryLockServer();
    const a = node(server, 'a');
    await probe(a);
    expect(server.waitingRequests).toBe(0);
    expect(a.locks).toHaveLength(1); // no second owner while alone
    expect(a.distributor.isMembershipWatched('main')).toBe(false);
    const b = node(server, 'b');
    await probe(b, a);
    await until(() => server.waitingRequests === 2);
    expect(ring(server, [a, b])).toEqual({ a: 'b', b: 'a' });
    expect(a.distributor.isMembershipWatched('main')).toBe(true);
    expect(a.locks).toHaveLength(2); // O(1): the lock owner and its watcher
  });

  it("wakes exactly the successor when a member's session dies, releases the slot, then re-targets on the next probe", async () => {
    const server = new InMemoryLockServer();
    const [a, b, c] = [node(server, 'a'), node(server, 'b'), node(server, 'c')];
    await probe(a, b, c, a, b);
    await until(() => server.waitingRequests === 3);
    const edges = ring(server, [a, b, c]);
    expect(Object.keys(edges).sort()).toEqual(['a', 'b', 'c']);
    const victim = b;
    const successor = [a, c].find((n) => edges[n.name] === victim.name)!;
    const other = [a, c].find((n) => n !== successor)!;
    const victimSlot = slotOf(victim);
    server.terminateSession(`${victim.name}-0`); // the victim's lock session dies (its watcher lives on)
    await until(() => successor.left.length === 1);
    expect(successor.left).toEqual(['main']);
    expect(other.left).toEqual([]);
    await until(() => server.holderOf(victimSlot) === undefined); // released at once: the slot counts nobody
    await victim.distributor.dispose();
    await probe(successor, other);
    const membership = await successor.distributor.probeMembership(successor.sets);
    expect(membership.get('main')?.liveNodes).toBe(2);
    await until(() => server.waitingRequests === 2);
    expect(
      ring(
        server,
        [a, c].filter((n) => n !== victim),
      ),
    ).toEqual({ [successor.name]: other.name, [other.name]: successor.name });
  });

  it('re-targets when a member joins between a node and its predecessor', async () => {
    const server = new InMemoryLockServer();
    const [a, b] = [node(server, 'a'), node(server, 'b')];
    await probe(a, b, a);
    await until(() => server.waitingRequests === 2);
    const c = node(server, 'c');
    await probe(c, a, b);
    await until(() => server.waitingRequests === 3);
    const edges = ring(server, [a, b, c]);
    // a ring: every node waits on exactly one other, and every node is waited on exactly once
    expect(Object.keys(edges).sort()).toEqual(['a', 'b', 'c']);
    expect(Object.values(edges).sort()).toEqual(['a', 'b', 'c']);
    for (const [watcher, watched] of Object.entries(edges)) expect(watcher).not.toBe(watched);
    expect([a, b, c].flatMap((n) => n.left)).toEqual([]); // a join wakes nobody
  });

  it('a watcher that cannot wait is retried with backoff and logged; membership and polling still work', async () => {
    const server = new InMemoryLockServer();
    let failing: NoWaitLock | undefined;
    const a = node(server, 'a', { createWatcher: () => (failing = new NoWaitLock(server.createLock({ owner: 'a-watch' }))) });
    const b = node(server, 'b');
    await probe(a, b, a);
    await until(() => (failing?.waits ?? 0) >= 1);
    expect(a.distributor.isMembershipWatched('main')).toBe(false);
    expect(a.logger.lines.some((line) => line.level === 'warn' && line.message.startsWith('member watcher: waiting for a member slot failed'))).toBe(true);
    const membership = await a.distributor.probeMembership(a.sets);
    expect(membership.get('main')?.liveNodes).toBe(2);
  });

  it('a createLock that returns one shared owner gets no watcher (waiting would block its attempts)', async () => {
    const server = new InMemoryLockServer();
    const a = node(server, 'a', { sameOwner: true });
    const b = node(server, 'b');
    await probe(a, b, a);
    await until(() => a.logger.lines.some((line) => line.message.startsWith('member watcher: no second lock owner')));
    expect(server.waitersFor(slotOf(b))).toEqual([]);
    expect(await a.distributor.tryAttainMany(a.sets)).toBeInstanceOf(Set); // the owner is not blocked
  });

  it('watchMembers: false creates no watcher', async () => {
    const server = new InMemoryLockServer();
    const a = node(server, 'a', { watchMembers: false });
    const b = node(server, 'b', { watchMembers: false });
    await probe(a, b, a);
    await tick();
    expect(server.waitingRequests).toBe(0);
    expect(a.locks).toHaveLength(1);
  });

  it('a lock home has ONE watcher (one ring per home); a departure is reported for each of its databases', async () => {
    const server = new InMemoryLockServer();
    const tenants = [{ id: 't1' }, { id: 't2' }, { id: 't3' }];
    const make = (name: string) => {
      let created = 0;
      const left: string[] = [];
      const distributor = new MultiTenantedProjectionDistributor({
        databases: tenants,
        shards,
        lockHost: 'tenants',
        createHomeLock: () => server.createLock({ owner: `${name}-${created++}`, verifyIntervalMs: 0 }),
      });
      disposables.push(distributor);
      distributor.onMemberLeft((databaseId) => left.push(databaseId));
      return { distributor, left, sessions: () => created };
    };
    const [a, b] = [make('a'), make('b')];
    for (const n of [a, b, a]) await n.distributor.probeMembership(await n.distributor.buildDistribution());
    await until(() => server.waitingRequests === 2);
    expect([a.sessions(), b.sessions()]).toEqual([2, 2]); // per node: the home and its watcher
    server.terminateSession('b-0');
    await until(() => a.left.length === 3);
    expect([...a.left].sort()).toEqual(['t1', 't2', 't3']);
  });

  it('dispose leaves no waiting request and no session behind', async () => {
    const server = new InMemoryLockServer();
    const [a, b] = [node(server, 'a'), node(server, 'b')];
    await probe(a, b, a);
    await until(() => server.waitingRequests === 2);
    await a.distributor.dispose();
    await b.distributor.dispose();
    expect(server.waitingRequests).toBe(0);
    expect(server.openSessions).toBe(0);
    expect(a.left).toEqual([]); // a disposing node's slot release is not reported to itself
  });
});
