import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePostgres } from '@polecat/test-utils/vitest';
import { OpsError, ensureOpsSchema, readPostgresClusterSnapshot, type ClusterSnapshot } from '../src/index';
import { cli } from './support/cli';
import { AgentLedger, spawnOpsNode, waitFor, type OpsNodeProcess } from './support/ops-cluster';

const POLLING_MS = 1000;
const SHARDS = ['P0', 'P1', 'P2', 'P3', 'P4', 'P5'];

await describePostgres('three node processes steered through the ops tables', (url) => {
  const schema = `ops_${randomUUID().slice(0, 8)}`;
  const daemonLockId = 700_000 + Math.floor(Math.random() * 100_000);
  const ledger = new AgentLedger();
  const nodes = new Map<string, OpsNodeProcess>();
  let admin: pg.Client;

  const start = async (nodeId: string): Promise<OpsNodeProcess> => {
    const node = spawnOpsNode({ url, nodeId, shards: SHARDS, schema, daemonLockId, pollingMs: POLLING_MS }, ledger);
    nodes.set(nodeId, node);
    await node.ready;
    return node;
  };
  const snapshot = (): Promise<ClusterSnapshot> => readPostgresClusterSnapshot(admin, { schema });
  const allHeld = async (expected: number, holders?: readonly string[]) => {
    const view = await snapshot();
    const held = view.sets.filter((set) => set.holder?.nodeId !== undefined && (holders === undefined || holders.includes(set.holder.nodeId)));
    return view.sets.length === SHARDS.length && held.length === expected && ledger.running().size === expected ? view : undefined;
  };

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url, application_name: 'polecat-ops-test' });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await Promise.all([...nodes.values()].map((node) => node.kill()));
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  });

  it('a database without the ops tables gets a typed error (function and CLI)', async () => {
    await expect(snapshot()).rejects.toSatisfy((error) => OpsError.hasCode(error, 'SCHEMA_MISSING'));
    const result = await cli('status', url, '--schema', schema);
    expect(result.code).toBe(2);
    expect(result.err).toContain('SCHEMA_MISSING');
  });

  it('creating the schema is idempotent and safe to race', async () => {
    const clients = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        return client;
      }),
    );
    try {
      await Promise.all(clients.map((client) => ensureOpsSchema(client, { schema })));
      await ensureOpsSchema(clients[0]!, { schema });
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
    expect((await snapshot()).sets).toEqual([]);
  });

  it('the CLI lists every set with its holder; pause stops a shard everywhere within one polling interval, across a restart and a rebalance; resume brings it back; drain empties a node', async () => {
    await Promise.all(['n1', 'n2', 'n3'].map((id) => start(id)));
    const first = await waitFor('every set held, running once, balanced over the three nodes', async () => {
      const s = await allHeld(SHARDS.length);
      return s !== undefined && s.nodes.every((node) => node.holds.length === 2) ? s : undefined;
    });
    // (registry writes are at most one per second here; since appears once the holder registered it)
    await waitFor('every holder registered its sets', async () => ((await snapshot()).sets.every((set) => set.since !== undefined) ? true : undefined));
    expect(new Set(first.sets.map((set) => set.holder?.nodeId))).toEqual(new Set(['n1', 'n2', 'n3']));

    const listed = await cli('status', url, '--schema', schema, '--json');
    expect(listed.code).toBe(0);
    const view = JSON.parse(listed.out) as ClusterSnapshot;
    expect(view.sets.map((set) => set.shards[0]).sort()).toEqual(SHARDS.map((name) => `${name}:All`));
    for (const set of view.sets) expect(['n1', 'n2', 'n3']).toContain(set.holder?.nodeId);
    expect(view.nodes.filter((node) => node.live).map((node) => node.nodeId)).toEqual(['n1', 'n2', 'n3']);
    const table = await cli('status', url, '--schema', schema);
    for (const name of SHARDS) expect(table.out).toContain(`${name}:All`);

    // bad input: typed errors, exit code 2
    expect((await cli('pause', 'Nope', '-c', url, '--schema', schema)).err).toContain('UNKNOWN_SHARD');
    expect((await cli('drain', 'n9', '-c', url, '--schema', schema)).err).toContain('UNKNOWN_NODE');

    // pause P0 everywhere
    const pausedAt = Date.now();
    const paused = await cli('pause', 'P0', '-c', url, '--schema', schema, '--by', 'ops-test', '--reason', 'reindex');
    expect(paused.code).toBe(0);
    await waitFor('P0 stopped', () => !ledger.running().has('P0:All'), POLLING_MS);
    const stoppedIn = Date.now() - pausedAt;
    const afterPause = await waitFor('P0 held by nobody', async () => {
      const s = await snapshot();
      const set = s.sets.find((entry) => entry.shards.includes('P0:All'));
      // (balancing may hand another set over meanwhile: a moment with two unheld sets is not the end state)
      return set?.holder === undefined && set?.paused !== undefined && s.unheld.length === 1 ? s : undefined;
    });
    const p0 = afterPause.sets.find((set) => set.shards.includes('P0:All'))!;
    expect(p0.paused).toMatchObject({ requestedBy: 'ops-test', reason: 'reindex' });
    expect(afterPause.unheld).toEqual([p0.key]);
    console.log(`[ops] pause: P0 stopped ${stoppedIn} ms after polecat pause was called (polling ${POLLING_MS} ms)`);

    // restart a node (SIGKILL, same id) and let the cluster rebalance: P0 never starts
    const victim = first.sets.find((set) => set.holder?.nodeId !== undefined && set.holder.nodeId !== p0.holder?.nodeId)?.holder?.nodeId ?? 'n1';
    await nodes.get(victim)!.kill();
    await waitFor('the others took the victim sets over', () =>
      allHeld(
        SHARDS.length - 1,
        ['n1', 'n2', 'n3'].filter((id) => id !== victim),
      ),
    );
    await start(victim);
    await waitFor('rebalanced onto the restarted node', async () => {
      const s = await allHeld(SHARDS.length - 1);
      return s !== undefined && s.nodes.find((node) => node.nodeId === victim)!.holds.length > 0 ? s : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 2 * POLLING_MS));
    expect(ledger.startsOf('P0:All', pausedAt + stoppedIn)).toEqual([]);

    // resume
    expect((await cli('resume', 'P0:All', '-c', url, '--schema', schema)).code).toBe(0);
    await waitFor('P0 runs again', () => allHeld(SHARDS.length));

    // drain n2: it hands everything over and takes nothing
    const drained = await cli('drain', 'n2', '-c', url, '--schema', schema, '--reason', 'deploy', '--json');
    expect(drained.code).toBe(0);
    const afterDrain = await waitFor('n2 empty', () => allHeld(SHARDS.length, ['n1', 'n3']));
    expect(afterDrain.nodes.find((node) => node.nodeId === 'n2')).toMatchObject({ live: true, holds: [], draining: { reason: 'deploy' } });
    await new Promise((resolve) => setTimeout(resolve, 2 * POLLING_MS));
    expect([...ledger.running().values()].flat()).not.toContain('n2');
    expect((await cli('undrain', 'n2', '-c', url, '--schema', schema)).code).toBe(0);
    await waitFor('n2 takes sets again', async () => {
      const s = await allHeld(SHARDS.length);
      return s !== undefined && s.nodes.find((node) => node.nodeId === 'n2')!.holds.length > 0;
    });

    // never two owners, at any moment of the whole run
    expect(ledger.maxConcurrency()).toBe(1);
    await Promise.all([...nodes.values()].map((node) => node.stop()));
  }, 120_000);
});
