import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { AppLock } from '@polecat/app-lock';
import { SqlServerAppLock } from '@polecat/app-lock/sql-server';
import { OwnershipLedger, createPgAdmin, createSqlServerAdmin, type PgAdmin, type SqlServerAdmin } from '@polecat/test-utils';
import { describePostgres, describeSqlServer } from '@polecat/test-utils/vitest';
import { shareLimitPolicy } from '../src/ownership-policy';
import { handovers, runnersByShard } from './support/ledger-checks';
import { FAST_LOCK, createInProcessNode, eventually, randomScope, shardNames, type InProcessNode, type NodeDatabase } from './support/in-process-node';
import { advisoryLockHolders } from './support/server-locks';

// Three coordinators in ONE process, each with its own lock connection, over 24 shards.
// Runs on PostgreSQL (server-side check through pg_locks) and on SQL Server when POLECAT_TEST_MSSQL is
// set or testcontainers finds a container runtime (status and ledger checks; session kill through KILL
// <spid>, the spid found in sys.dm_exec_sessions by program_name = the node's applicationName).

const SHARDS = 24;

interface Backend {
  readonly name: string;
  readonly url: string;
  readonly createLock?: (database: NodeDatabase, applicationName: string) => AppLock;
  /** Kills, on the server, every session whose application name is `applicationName`; resolves with how many. */
  readonly killSessions: (applicationName: string) => Promise<number>;
}

function suite(backend: Backend, admin: () => PgAdmin | undefined): void {
  let nodes: InProcessNode[] = [];
  let ledger = new OwnershipLedger();

  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    nodes = [];
    expect(ledger.findOverlaps()).toEqual([]);
    ledger = new OwnershipLedger();
  });

  const startNodes = async (options: { readonly balanced?: boolean } = {}): Promise<{ shards: string[]; ids: string[] }> => {
    const { daemonLockId, prefix } = randomScope();
    const shards = shardNames(prefix, SHARDS);
    const ids = ['a', 'b', 'c'].map((suffix) => `${prefix}-${suffix}`);
    const database: NodeDatabase = { id: 'main', url: backend.url };
    nodes = ids.map((id) =>
      createInProcessNode({
        id,
        databases: [database],
        shards,
        daemonLockId,
        ledger,
        ...(backend.createLock === undefined ? {} : { createLock: backend.createLock }),
        ...(options.balanced ? { policy: shareLimitPolicy(() => SHARDS / 3) } : {}),
      }),
    );
    await Promise.all(nodes.map((node) => node.coordinator.start()));
    await eventually(
      () => runnersByShard(ledger).size === SHARDS && [...runnersByShard(ledger).values()].every((r) => r.length === 1),
      `all ${SHARDS} shards running`,
    );
    return { shards: shards.map((shard) => `main/${shard.identity}`), ids };
  };

  const ownerWithMost = (): InProcessNode => [...nodes].sort((a, b) => b.running().size - a.running().size)[0]!;

  it('runs every shard on exactly one node (status, server locks, ledger)', async () => {
    await startNodes({ balanced: true });
    await eventually(() => nodes.every((node) => node.coordinator.status().owned.length === SHARDS / 3), 'each node owning its share');
    const owners = new Map<string, string[]>();
    for (const node of nodes) {
      for (const set of node.coordinator.status().owned) {
        expect(set.agents.every((agent) => agent.status === 'Running')).toBe(true);
        for (const shard of set.shards) owners.set(shard, [...(owners.get(shard) ?? []), node.id]);
      }
    }
    expect(owners.size).toBe(SHARDS);
    expect([...owners.values()].every((list) => list.length === 1)).toBe(true);
    for (const node of nodes) expect(node.running().size).toBe(SHARDS / 3);

    const pg = admin();
    if (pg !== undefined) {
      const lockIds = nodes.flatMap((node) => node.coordinator.status().owned.map((set) => ({ lockId: set.lockId, node: node.id })));
      const holders = await advisoryLockHolders(
        pg,
        lockIds.map((entry) => entry.lockId),
      );
      for (const { lockId, node } of lockIds) expect(holders.get(lockId)).toEqual([node]);
    }
    expect(ledger.findOverlaps()).toEqual([]);
  });

  it('hands a gracefully stopped node’s shards over: stopped before started elsewhere', async () => {
    const { shards } = await startNodes();
    const victim = ownerWithMost();
    const affected = [...victim.running()];
    expect(affected.length).toBeGreaterThan(0);
    const stopAt = performance.timeOrigin + performance.now();
    await victim.stop();
    nodes = nodes.filter((node) => node !== victim);
    await eventually(() => nodes.reduce((sum, node) => sum + node.running().size, 0) === SHARDS, 'the others running every shard');
    for (const handover of handovers(ledger, victim.id, affected, stopAt)) {
      expect(handover.nextStart.node).not.toBe(victim.id);
      expect(handover.nextStart.start).toBeGreaterThanOrEqual(handover.stoppedAt);
    }
    expect(runnersByShard(ledger).size).toBe(shards.length);
    expect(ledger.findOverlaps()).toEqual([]);
  });

  it('aborts the agents of a node whose lock session the server killed before anyone restarts them', async () => {
    await startNodes();
    const victim = ownerWithMost();
    const affected = [...victim.running()];
    const killedAt = performance.timeOrigin + performance.now();
    // the lock session, and the member watcher's session once it has connected (same application_name)
    expect(await backend.killSessions(victim.id)).toBeGreaterThanOrEqual(1);
    await eventually(
      () =>
        runnersByShard(ledger).size === SHARDS &&
        ledger.intervals().filter((i) => i.node === victim.id && i.stop !== undefined && i.stop >= killedAt).length >= affected.length,
      'victim stopped and every shard running again',
    );
    for (const handover of handovers(ledger, victim.id, affected, killedAt)) expect(handover.nextStart.start).toBeGreaterThanOrEqual(handover.stoppedAt);
    expect(ledger.findOverlaps()).toEqual([]);
  });
}

await describePostgres('3 coordinators in one process (PostgreSQL)', (url) => {
  let admin: PgAdmin | undefined;
  beforeAll(async () => {
    admin = await createPgAdmin(url);
  });
  afterAll(async () => {
    await admin?.close();
  });
  suite({ name: 'postgres', url, killSessions: (applicationName) => admin!.terminateBackendsByApplicationName(applicationName) }, () => admin);
});

await describeSqlServer('3 coordinators in one process (SQL Server)', (connectionString) => {
  let admin: SqlServerAdmin | undefined;
  beforeAll(async () => {
    admin = await createSqlServerAdmin(connectionString);
  });
  afterAll(async () => {
    await admin?.close();
  });
  suite(
    {
      name: 'sqlserver',
      url: connectionString,
      createLock: (_database, applicationName) => new SqlServerAppLock(connectionString, { applicationName, verifyIntervalMs: FAST_LOCK.verifyIntervalMs }),
      killSessions: (applicationName) => admin!.killSessionsByApplicationName(applicationName),
    },
    () => undefined,
  );
});
