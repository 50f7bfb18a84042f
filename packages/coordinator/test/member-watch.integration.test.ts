// Member watchers across PROCESSES on PostgreSQL: a standby's waiting pg_advisory_lock on its
// predecessor's member slot is granted by the server the moment the owner process is SIGKILLed, so
// the standby takes over although its polls are 10 minutes apart. (Takeover TIMES: `pnpm bench`.)
import { OwnershipLedger, createPgAdmin, spawnNode, type NodeHandle, type PgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { COORDINATOR_SOURCE } from './support/child-nodes';
import { eventually, randomScope } from './support/in-process-node';

const SHARDS = 12;

await describePostgres('member watchers (PostgreSQL, node processes)', (url) => {
  let admin: PgAdmin;
  let nodes: NodeHandle[] = [];
  beforeAll(async () => {
    admin = await createPgAdmin(url);
  });
  afterAll(async () => {
    await admin.close();
  });
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    nodes = [];
  });

  /** Advisory-lock requests of `applicationName`'s sessions that wait (not granted). */
  const waiting = async (applicationName: string): Promise<number> => {
    const { rows } = await admin.query<{ n: string }>(
      `select count(*) as n from pg_locks l join pg_stat_activity a on a.pid = l.pid where l.locktype = 'advisory' and not l.granted and a.application_name = $1`,
      [applicationName],
    );
    return Number(rows[0]?.n ?? 0);
  };

  it('SIGKILL of the owner: the standby owns every shard without any poll (10 min polls), never two runners', async () => {
    const { daemonLockId, prefix } = randomScope();
    const ledger = new OwnershipLedger();
    const spawn = (name: string): Promise<NodeHandle> =>
      spawnNode({
        id: `${prefix}-${name}`,
        databases: [{ id: 'main', url }],
        shards: SHARDS,
        shardPrefix: prefix,
        daemonLockId,
        ledger,
        // balancing on (membership, watchers); polls far beyond the test's timeouts
        coordinator: { leadershipPollingTimeMs: 600_000, takeoverPollingTimeMs: 600_000 },
        logLevel: 'warn',
        modules: { coordinator: COORDINATOR_SOURCE },
      });
    const owner = await spawn('owner');
    nodes.push(owner);
    await owner.whenOwned(SHARDS, 15_000); // alone: takes everything, then sleeps 10 minutes
    const standby = await spawn('standby');
    nodes.push(standby);
    // the standby's first cycle: a member, nothing free (the owner hands over at most one set per
    // 10 min poll), watcher armed; its join notice may wake the owner once (it then watches too)
    await eventually(async () => (await waiting(standby.id)) === 1, 'the standby waits on the owner’s member slot');

    owner.kill('SIGKILL');
    await standby.whenOwned(SHARDS, 20_000);
    await owner.exited;
    expect(ledger.findOverlaps()).toEqual([]);
    // only the standby's own watcher can have woken it
    expect(standby.events.filter((event) => event.type === 'cycle').length).toBeLessThanOrEqual(6);
  });
});
