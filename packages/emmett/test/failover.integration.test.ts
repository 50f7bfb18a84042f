import { createPgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LOG_TABLES } from './fixtures/projections';
import { spawnEmmettNode, type EmmettNode } from './support/emmett-nodes';
import { createTestSchema, type TestSchema } from './support/schema';

const SHARDS = ['log_a', 'log_b'] as const;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

await describePostgres('@polecat/emmett across node processes', (url) => {
  let schema: TestSchema;
  const nodes: EmmettNode[] = [];
  beforeAll(async () => {
    schema = await createTestSchema(url, 'emt_fo');
  });
  afterAll(async () => {
    for (const node of nodes) node.kill('SIGKILL');
    await Promise.all(nodes.map((node) => node.exited));
    await schema.drop();
  });

  it('applies every event exactly once per projection across SIGKILL, a killed lock session, a frozen owner and a graceful hand-over', async () => {
    const prefix = `emt-fo-${process.pid}`;
    const admin = await createPgAdmin(url);
    let appending = true;
    let appender: Promise<void> = Promise.resolve();
    try {
      for (const id of ['n1', 'n2', 'n3']) nodes.push(await spawnEmmettNode(`${prefix}-${id}`, schema.urlFor(`${prefix}-${id}`)));
      const alive = (): EmmettNode[] => nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);
      const ownerOf = (shard: string): EmmettNode | undefined => alive().find((node) => node.owned().has(shard));
      await until('both projections to run', () => (SHARDS.every((shard) => ownerOf(shard) !== undefined) ? true : undefined));

      // Events keep arriving during every fault.
      let appended = 0;
      appender = (async () => {
        while (appending) {
          await schema.append(`trip-${appended % 7}`, appended);
          appended++;
          await sleep(5);
        }
      })();
      const takeover = async (shard: string, from: EmmettNode, since: number): Promise<number> => {
        const line = await until(`another node to run ${shard}`, () =>
          alive()
            .filter((node) => node !== from)
            .flatMap((node) => node.lines)
            .find((l) => l.type === 'started' && l.shard === shard && l.at >= since),
        );
        return line.at - since;
      };

      // A node's lock session is the one holding advisory locks (Emmett's own are transaction-scoped and
      // brief; the member watcher's waiting request is not granted).
      const lockSessionOf = (node: EmmettNode): Promise<number> =>
        until(`one session of ${node.id} holding advisory locks`, async () => {
          const { rows } = await admin.query<{ pid: number }>(
            "SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1 AND a.datname = current_database()",
            [node.id],
          );
          return rows.length === 1 ? rows[0]!.pid : undefined;
        });

      // 1. SIGKILL the owner of log_a.
      await sleep(500);
      const killed = await until('an owner of log_a', () => ownerOf('log_a'));
      const killedAt = killed.kill('SIGKILL');
      await killed.exited;
      const afterKillMs = await takeover('log_a', killed, killedAt);

      // 2. Terminate the lock session of log_b's owner on the server: it must notice and stop.
      await sleep(300);
      const cut = await until('an owner of log_b', () => ownerOf('log_b'));
      const lockPid = await lockSessionOf(cut);
      const cutAt = Date.now();
      expect(await admin.terminateBackend(lockPid)).toBe(true);
      await cut.whenLine((line) => line.type === 'lock-lost' && line.at >= cutAt);
      const restarted = await until('log_b to run again', () =>
        alive()
          .flatMap((node) => node.lines)
          .find((l) => l.type === 'started' && l.shard === 'log_b' && l.at >= cutAt),
      );

      // 3. A zombie: freeze log_a's owner (SIGSTOP), drop its lock session, let another node take
      //    over with a newer epoch, then wake it (SIGCONT). Whatever batch it still runs is fenced.
      await sleep(300);
      const frozen = await until('an owner of log_a', () => ownerOf('log_a'));
      const frozenPid = await lockSessionOf(frozen);
      frozen.kill('SIGSTOP');
      const frozenAt = Date.now();
      expect(await admin.terminateBackend(frozenPid)).toBe(true);
      // Not waiting for the takeover while frozen: a batch frozen after its epoch check holds the
      // check's share lock, and the newer grant rightly waits for that batch to commit.
      await sleep(700);
      frozen.kill('SIGCONT');
      const zombieStart = await until('log_a to run again', () =>
        alive()
          .flatMap((node) => node.lines)
          .find((l) => l.type === 'started' && l.shard === 'log_a' && l.at >= frozenAt),
      );
      await frozen.whenLine((line) => line.type === 'lock-lost' && line.at >= frozenAt);
      await frozen.whenLine((line) => (line.type === 'stopped' || line.type === 'paused') && line.shard === 'log_a' && line.at >= frozenAt);

      // 4. Graceful stop (SIGTERM) of log_a's current owner: hand-over.
      await sleep(300);
      const stopping = await until('an owner of log_a', () => ownerOf('log_a'));
      const stopAt = stopping.kill('SIGTERM');
      expect((await stopping.exited).code).toBe(0);
      const afterStopMs = await takeover('log_a', stopping, stopAt);

      await sleep(300);
      appending = false;
      await appender;
      const total = await schema.messageCount();
      expect(total).toBe(appended);
      await until('both projections to catch up', async () =>
        (await schema.counts()).every((count) => count.rows >= total && count.missing === 0) ? true : undefined,
      );
      await sleep(500); // a duplicate batch would land now
      const counts = await schema.counts();
      expect(counts).toEqual(LOG_TABLES.map((table) => ({ table, rows: total, distinct: total, missing: 0 })));
      const positions = await Promise.all(SHARDS.map((shard) => schema.checkpoint(`emt:processor:projector:${shard}`)));
      const { rows } = await schema.admin.query<{ max: string }>('SELECT max(global_position) AS max FROM emt_messages');
      expect(positions).toEqual([BigInt(rows[0]!.max), BigInt(rows[0]!.max)]);

      console.log(
        `[emmett failover] events=${total} ${counts.map((c) => `${c.table}: rows=${c.rows} distinct=${c.distinct} missing=${c.missing}`).join('; ')}; ` +
          `log_a takeover after SIGKILL ${afterKillMs} ms (leadershipPollingTimeMs 300 ms), after SIGTERM ${afterStopMs} ms; ` +
          `log_b restarted ${restarted.at - cutAt} ms after its lock session was terminated (on ${restarted.node === cut.id ? 'the same node' : 'another node'}); ` +
          `log_a running again ${zombieStart.at - frozenAt} ms after its owner froze (${zombieStart.node === frozen.id ? 'on the woken node' : 'on another node'}); stale batches refused after waking: ${frozen.lines.filter((l) => l.type === 'paused' && l.error?.includes('StaleEpochError')).length}`,
      );

      // Every node stops gracefully and leaves no session behind.
      await Promise.all(alive().map(async (node) => (node.kill('SIGTERM'), expect((await node.exited).code).toBe(0))));
      expect(await until('no sessions of the nodes', async () => ((await admin.countConnectionsWithPrefix(prefix)) === 0 ? 0 : undefined), 10_000)).toBe(0);
    } finally {
      appending = false;
      await appender.catch(() => undefined);
      await admin.close();
    }
  });
});
