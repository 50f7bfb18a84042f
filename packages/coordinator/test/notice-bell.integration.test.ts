// Notice bells on PostgreSQL: the SQL Server wake-up (release notices relayed round the ring of
// member watchers, see the distributors' `NoticeBell`) run on PostgreSQL locks whose NOTIFY channel is
// hidden, so they behave like SQL Server's. Polls are 10 minutes apart: only the relay can wake the
// survivor that does not watch the leaving node.
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { OwnershipLedger, withoutReleaseNotices } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { afterEach, expect, it } from 'vitest';
import { FAST_LOCK, createInProcessNode, eventually, randomScope, shardNames, type InProcessNode } from './support/in-process-node';

const SHARDS = 12;
const SLOW = { leadershipPollingTimeMs: 600_000, takeoverPollingTimeMs: 600_000 } as const;

await describePostgres('notice bells (PostgreSQL locks without NOTIFY, as on SQL Server)', (url) => {
  let nodes: InProcessNode[] = [];
  const ledger = new OwnershipLedger();
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    nodes = [];
    expect(ledger.findOverlaps()).toEqual([]);
  });

  it('a member that stops wakes BOTH survivors (its successor, and the other through the relay), 10 min polls', async () => {
    const { daemonLockId, prefix } = randomScope();
    const shards = shardNames(prefix, SHARDS);
    const node = (name: string): InProcessNode =>
      createInProcessNode({
        id: `${prefix}-${name}`,
        databases: [{ id: 'main', url }],
        shards,
        daemonLockId,
        ledger,
        settings: SLOW,
        createLock: (database, applicationName) => withoutReleaseNotices(new PostgresAppLock(database.url, { applicationName, ...FAST_LOCK })),
      });
    const owner = node('owner');
    nodes.push(owner);
    await owner.coordinator.start();
    await eventually(() => owner.running().size === SHARDS, 'the first node runs every shard');
    const survivors = [node('b'), node('c')];
    nodes.push(...survivors);
    for (const survivor of survivors) await survivor.coordinator.start();
    // both are members watching (the owner hands nothing over before its next poll, 10 min away)
    await eventually(() => survivors.every((survivor) => survivor.locks.length === 2), 'both survivors have a member watcher');
    await owner.stop();
    nodes = nodes.filter((n) => n !== owner);
    await eventually(() => survivors.every((survivor) => survivor.running().size > 0), 'both survivors run shards', 15_000);
    await eventually(() => survivors.reduce((sum, survivor) => sum + survivor.running().size, 0) === SHARDS, 'every shard runs again', 15_000);
  });
});
