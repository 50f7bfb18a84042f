import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { OwnershipLedger, createPgAdmin, preciseNow, type PgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { startProxiedNodes, type ProxiedNode } from './support/child-nodes';
import { handovers, runnersByShard, runningAt } from './support/ledger-checks';
import { eventually, randomScope } from './support/in-process-node';

// Three coordinator PROCESSES over 24 shards, each lock connection through its own TCP proxy.
// Faults: SIGKILL, server-side session kill, TCP reset, TCP stall. After each: the victim's agents
// stopped before any other node started them, every shard runs exactly once, no ledger overlap.
// (PostgreSQL only: the child runner speaks PostgreSQL. Takeover TIMES are measured by `pnpm bench`.)

const SHARDS = 24;

await describePostgres('3 coordinator processes (PostgreSQL)', (url) => {
  let admin: PgAdmin;
  let nodes: ProxiedNode[] = [];
  let ledger = new OwnershipLedger();

  beforeAll(async () => {
    admin = await createPgAdmin(url);
  });
  afterAll(async () => {
    await admin.close();
  });
  afterEach(async () => {
    for (const { proxy } of nodes) proxy.resume();
    await Promise.all(nodes.map(({ node }) => node.stop()));
    await Promise.all(nodes.map(({ proxy }) => proxy.close()));
    nodes = [];
    expect(ledger.findOverlaps()).toEqual([]);
    ledger = new OwnershipLedger();
  });

  const start = async (): Promise<void> => {
    const { daemonLockId, prefix } = randomScope();
    nodes = await startProxiedNodes({ url, ids: ['a', 'b', 'c'].map((s) => `${prefix}-${s}`), shards: SHARDS, shardPrefix: prefix, daemonLockId, ledger });
    await eventually(() => allRunningOnce(), `all ${SHARDS} shards running exactly once`);
  };
  const allRunningOnce = (): boolean => {
    const runners = runnersByShard(ledger);
    return runners.size === SHARDS && [...runners.values()].every((list) => list.length === 1);
  };
  const victim = (): ProxiedNode => [...nodes].sort((a, b) => b.node.running() - a.node.running())[0]!;
  const others = (of: ProxiedNode): ProxiedNode[] => nodes.filter((entry) => entry !== of);
  const expectOrderedHandovers = (name: string, affected: readonly string[], faultAt: number, mustMove: boolean): void => {
    const list = handovers(ledger, name, affected, faultAt);
    expect(list).toHaveLength(affected.length);
    for (const handover of list) {
      if (mustMove) expect(handover.nextStart.node).not.toBe(name);
      expect(handover.nextStart.start).toBeGreaterThanOrEqual(handover.stoppedAt);
    }
    expect(ledger.findOverlaps()).toEqual([]);
  };

  it('SIGKILL: the killed node’s shards run again on the others, never twice at once', async () => {
    await start();
    const dead = victim();
    const killedAt = dead.node.kill('SIGKILL');
    await dead.node.exited;
    await eventually(() => others(dead).reduce((sum, { node }) => sum + node.running(), 0) === SHARDS && allRunningOnce(), 'the survivors running every shard');
    const affected = runningAt(ledger, dead.node.id, killedAt);
    expect(affected.length).toBeGreaterThan(0);
    expectOrderedHandovers(dead.node.id, affected, killedAt, true);
  });

  it('server-side session kill: agents stop before another node starts them', async () => {
    await start();
    const target = victim();
    const killedAt = preciseNow();
    expect(await admin.terminateBackendsByApplicationName(target.node.id)).toBeGreaterThanOrEqual(1); // its lock session (and its member watcher)
    await eventually(
      () => allRunningOnce() && handoversDone(target, runningAt(ledger, target.node.id, killedAt), killedAt),
      'victim stopped and every shard running again',
    );
    const affected = runningAt(ledger, target.node.id, killedAt);
    expect(affected.length).toBeGreaterThan(0);
    expectOrderedHandovers(target.node.id, affected, killedAt, false);
    expect(target.node.events.some((event) => event.type === 'lock-lost' && event.at >= killedAt)).toBe(true);
  });

  it('TCP reset through the proxy: agents stop before another node starts them', async () => {
    await start();
    const target = victim();
    const cutAt = preciseNow();
    target.proxy.cutAll();
    await eventually(
      () => allRunningOnce() && handoversDone(target, runningAt(ledger, target.node.id, cutAt), cutAt),
      'victim stopped and every shard running again',
    );
    const affected = runningAt(ledger, target.node.id, cutAt);
    expect(affected.length).toBeGreaterThan(0);
    expectOrderedHandovers(target.node.id, affected, cutAt, false);
  });

  it('TCP stall: the node aborts its agents on its own; only after the server drops the session do others start them', async () => {
    await start();
    const target = victim();
    const pid = await lockSessionOf(target.node.id);
    const stalledAt = preciseNow();
    target.proxy.stall();
    // Detection: the next verification (every 500 ms) times out after 1 s; the node drops the connection.
    await target.node.whenOwned(0, 15_000);
    const nothingOwnedAt = preciseNow();
    // The server still holds the locks (the stalled socket is open): nobody else may have started
    // the shards the node ran at the stall (a set it had handed over just before may run elsewhere).
    const affected = runningAt(ledger, target.node.id, stalledAt);
    expect(affected.length).toBeGreaterThan(0);
    const startedElsewhere = (): string[] =>
      ledger
        .intervals()
        .filter((i) => i.node !== target.node.id && i.start >= stalledAt && affected.includes(i.shard))
        .map((i) => i.shard);
    expect(startedElsewhere()).toEqual([]);
    // The server session ends when we terminate it. Should the server (or the path) have ended it on its own
    // already, the shards may legitimately run elsewhere from that moment, which lies after `nothingOwnedAt`
    // (nobody had started them then, checked above): the bound below is then that moment.
    const alive = (await admin.query('select 1 from pg_stat_activity where pid = $1', [pid])).rowCount === 1;
    const terminatedAt = preciseNow();
    const signalled = await admin.terminateBackend(pid);
    expect(signalled || !alive).toBe(true);
    const sessionEndedAfter = signalled ? terminatedAt : nothingOwnedAt;
    await eventually(() => others(target).reduce((sum, { node }) => sum + node.running(), 0) === SHARDS && allRunningOnce(), 'the others running every shard');
    expectOrderedHandovers(target.node.id, affected, stalledAt, true);
    for (const interval of ledger.intervals().filter((i) => i.node !== target.node.id && i.start >= stalledAt && affected.includes(i.shard))) {
      expect(interval.start).toBeGreaterThanOrEqual(sessionEndedAfter);
    }
  });

  // The node's lock session: of the sessions named after the node (its lock session and, once its
  // member watcher is armed, the watcher's), the one holding advisory locks (the watcher releases a
  // granted slot at once and otherwise only waits).
  const lockSessionOf = async (applicationName: string): Promise<number> => {
    const { rows } = await admin.query<{ pid: number }>(
      `select a.pid from pg_stat_activity a join pg_locks l on l.pid = a.pid
       where a.application_name = $1 and a.datname = current_database() and l.locktype = 'advisory' and l.granted
       group by a.pid order by count(*) desc`,
      [applicationName],
    );
    expect(rows).toHaveLength(1);
    return rows[0]!.pid;
  };

  const handoversDone = (target: ProxiedNode, affected: readonly string[], since: number): boolean => {
    try {
      handovers(ledger, target.node.id, affected, since);
      return true;
    } catch {
      return false;
    }
  };
});
