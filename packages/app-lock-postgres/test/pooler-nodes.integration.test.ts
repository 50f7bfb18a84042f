import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  OwnershipLedger,
  checkPostgres,
  findPgBouncer,
  keepPoolerBusy,
  postgresTestUrl,
  spawnNode,
  startPgBouncer,
  type BusyClients,
  type NodeHandle,
  type PgBouncer,
} from '@polecat/test-utils';

// Exactly one owner behind any pooler: 4 coordinator node PROCESSES whose lock connections go
// through a real PgBouncer kept busy by other clients, agents that need seconds to return. In
// transaction and statement mode no agent may ever start through the pooler, no lock may stay on
// the pooler's server connections, and healthy direct nodes own every shard at once afterwards.
// In session mode the nodes work, through kills and restarts, never two runners of one shard.
//
// POLECAT_POOLER_RUN_MS sets how long the nodes run through a transaction/statement pool (default 60 s).

const SHARDS = 16;
const SLOW = { min: 2_000, max: 5_000 } as const;
const SETTINGS = { leadershipPollingTimeMs: 250, takeoverPollingTimeMs: 250, stopDrainTimeoutMs: 1_500 } as const;
// A refused pooler is a permanent error: by default `start()` rejects with it. The nodes behind a transaction or
// statement pooler here must keep trying for the whole run (every connect refused, nothing locked), so their
// start does not wait for the first answer (`startCheckMs: 0`: the refusal is reported, the loop retries).
const KEEP_TRYING = { ...SETTINGS, startCheckMs: 0 } as const;
const LOCK = { verifyIntervalMs: 500, requestTimeoutMs: 2_000, connectTimeoutMs: 5_000 } as const;
const RUN_MS = Number(process.env.POLECAT_POOLER_RUN_MS ?? 60_000);
// Ports of this suite, inside the range reserved for app-lock-postgres (15400-15499).
const PORTS = { transaction: 15_441, statement: 15_442, session: 15_443 } as const;

const SOURCES = {
  coordinator: fileURLToPath(new URL('../../coordinator/src/index.ts', import.meta.url)),
  distributors: fileURLToPath(new URL('../../distributors/src/index.ts', import.meta.url)),
  appLockPostgres: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
};

const inCi = (): boolean => {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
};
const postgres = await checkPostgres();
const why = !postgres.reachable ? `PostgreSQL unreachable (${postgres.cause})` : findPgBouncer() === undefined ? 'pgbouncer is not installed' : undefined;
if (why !== undefined && !inCi()) console.log(`[skip] coordinator nodes through PgBouncer: ${why}`);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
async function eventually(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(50);
  }
}

(why !== undefined && !inCi() ? describe.skip : describe)('coordinator node processes through a busy PgBouncer', () => {
  const url = postgresTestUrl();
  let nodes: NodeHandle[] = [];
  let pooler: PgBouncer | undefined;
  let busy: BusyClients | undefined;
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    nodes = [];
    await busy?.stop();
    busy = undefined;
    await pooler?.stop();
    pooler = undefined;
  });

  const scope = (): { daemonLockId: number; prefix: string } => {
    const daemonLockId = 20_000_000 + Math.floor(Math.random() * 1_000_000_000);
    return { daemonLockId, prefix: `P${daemonLockId.toString(36)}x` };
  };
  const spawnerFor =
    (ledger: OwnershipLedger, { daemonLockId, prefix }: { daemonLockId: number; prefix: string }) =>
    (id: string, nodeUrl: string, onStderr?: (line: string) => void, settings: Record<string, number> = SETTINGS): Promise<NodeHandle> =>
      spawnNode({
        id: `${prefix}-${id}`,
        databases: [{ id: 'main', url: nodeUrl }],
        shards: SHARDS,
        shardPrefix: prefix,
        daemonLockId,
        ledger,
        agentReturnDelayMs: SLOW,
        coordinator: settings,
        lock: LOCK,
        logLevel: onStderr === undefined ? 'error' : 'warn',
        modules: SOURCES,
        readyTimeoutMs: 60_000,
        ...(onStderr === undefined ? {} : { onStderr }),
      });
  const allRunningOnce = (ledger: OwnershipLedger): boolean => {
    const runners = new Map<string, number>();
    for (const interval of ledger.intervals()) if (interval.stop === undefined) runners.set(interval.shard, (runners.get(interval.shard) ?? 0) + 1);
    return runners.size === SHARDS && [...runners.values()].every((count) => count === 1);
  };
  const overlaps = (ledger: OwnershipLedger): string[] =>
    ledger
      .findOverlaps()
      .map(
        (o) =>
          `${o.shard}: ${o.first.node} [${o.first.start.toFixed(0)}, ${o.first.stop?.toFixed(0)}] / ${o.second.node} [${o.second.start.toFixed(0)}, ${o.second.stop?.toFixed(0)}]`,
      );
  const advisoryLocksOn = async (pids: readonly number[]): Promise<number> => {
    const client = new pg.Client({ connectionString: url, application_name: 'polecat-pooler-test' });
    await client.connect();
    try {
      return (await client.query<{ n: number }>("select count(*)::int as n from pg_locks where locktype = 'advisory' and pid = any($1::int[])", [pids]))
        .rows[0]!.n;
    } finally {
      await client.end();
    }
  };

  for (const mode of ['transaction', 'statement'] as const) {
    it(
      `${mode} mode, pool of 3 kept busy by 8 clients, 4 node processes through it: no agent start, nothing stranded; direct nodes then own every shard`,
      async () => {
        pooler = await startPgBouncer({ url, mode, port: PORTS[mode], poolSize: 3 });
        busy = await keepPoolerBusy(pooler.url, { clients: 8, sleepMs: 20, applicationName: 'psql' });
        const ledger = new OwnershipLedger();
        const spawn = spawnerFor(ledger, scope());
        // refusals by where they happened: the connect-time proof, a guarded statement on another backend, a shared backend
        const kinds = { proof: 0, moved: 0, shared: 0 };
        const countRefusals = (line: string): void => {
          if (line.includes('goes through a pooler in transaction or statement mode')) kinds.proof += 1;
          else if (line.includes('ran a statement on another server session')) kinds.moved += 1;
          else if (line.includes('is shared with another client')) kinds.shared += 1;
        };
        const pooled = await Promise.all(['a', 'b', 'c', 'd'].map((id) => spawn(`pooled-${id}`, pooler!.url, countRefusals, KEEP_TRYING)));
        nodes = [...pooled];
        await sleep(RUN_MS);
        const pooledIds = new Set(pooled.map((node) => node.id));
        const startsThroughPooler = ledger.intervals().filter((interval) => pooledIds.has(interval.node));
        const overlapsThroughPooler = overlaps(ledger);
        const busyStatements = busy.statements();
        const refusalsThroughPooler = kinds.proof + kinds.moved + kinds.shared;
        // what the pooler's server connections hold once every client of it is gone
        await Promise.all(pooled.map((node) => node.stop()));
        nodes = [];
        await busy.stop();
        busy = undefined;
        const serverPids = await pooler.serverPids();
        const stranded = await advisoryLocksOn(serverPids);
        // healthy nodes connected directly own every shard within seconds
        const directStartedAt = Date.now();
        nodes = await Promise.all(['x', 'y'].map((id) => spawn(`direct-${id}`, url)));
        let directMs: number | undefined;
        try {
          await eventually(() => allRunningOnce(ledger), 'every shard running once on the direct nodes', 20_000);
          directMs = Date.now() - directStartedAt;
        } catch {
          // reported below with the counts
        }
        console.log(
          `[pooler:${mode}] ${RUN_MS} ms through a busy pool (${busyStatements} busy-client statements, ${refusalsThroughPooler} refusals logged by the nodes: ${kinds.proof} at connect, ${kinds.moved} moved, ${kinds.shared} shared): ${startsThroughPooler.length} agent starts through the pooler, ` +
            `${overlapsThroughPooler.length} overlaps, ${stranded} locks left on ${serverPids.length} pooler server connections; direct nodes own every shard after ${directMs ?? 'never (20 s)'} ms`,
        );
        expect(startsThroughPooler.map((interval) => `${interval.node} ${interval.shard}`)).toEqual([]);
        expect(overlaps(ledger)).toEqual([]);
        expect(stranded).toBe(0);
        expect(directMs, 'direct nodes own every shard within 20 s').toBeDefined();
        // the pool really was busy, and the nodes really tried it
        expect(busyStatements).toBeGreaterThan(RUN_MS / 100);
        expect(refusalsThroughPooler).toBeGreaterThan(0);
      },
      RUN_MS + 120_000,
    );
  }

  it('session mode: 4 node processes work through it, through SIGKILLs and restarts, never two runners of one shard', async () => {
    // each node holds two server sessions (lock and member watcher) plus one briefly while a lock connects
    pooler = await startPgBouncer({ url, mode: 'session', port: PORTS.session, poolSize: 16 });
    busy = await keepPoolerBusy(pooler.url, { clients: 2, sleepMs: 20, applicationName: 'psql' });
    const ledger = new OwnershipLedger();
    const spawn = spawnerFor(ledger, scope());
    nodes = await Promise.all(['a', 'b', 'c', 'd'].map((id) => spawn(id, pooler!.url)));
    await eventually(() => allRunningOnce(ledger), 'every shard running once on 4 nodes through the session pool', 60_000);
    for (const round of [1, 2]) {
      const victim = nodes.find((node) => node.running() > 0)!;
      victim.kill('SIGKILL');
      await victim.exited;
      nodes = nodes.filter((node) => node !== victim);
      nodes.push(await spawn(`restart-${round}`, pooler.url));
      await eventually(() => allRunningOnce(ledger), `every shard running once after SIGKILL ${round} and a restart`, 60_000);
    }
    const graceful = nodes.find((node) => node.running() > 0)!;
    await graceful.stop();
    nodes = nodes.filter((node) => node !== graceful);
    await eventually(() => allRunningOnce(ledger), 'every shard running once after a SIGTERM', 60_000);
    console.log(
      `[pooler:session] ${ledger.intervals().length} agent runs over 4 nodes, 2 SIGKILLs, 2 restarts, 1 SIGTERM: ${overlaps(ledger).length} overlaps`,
    );
    expect(overlaps(ledger)).toEqual([]);
  }, 240_000);
});
