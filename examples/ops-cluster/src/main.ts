/**
 * Three nodes on the machine's PostgreSQL, each with a PostgresOpsNode: `polecat status` shows
 * every set and its holder; `pauseShard` stops a shard on every node; `drainNode` empties a node;
 * `resumeShard` / `undrainNode` undo both. The CLI calls below are what an operator types:
 *   polecat status postgres://... --schema <schema>
 *   polecat pause Trip -c postgres://... --reason "reindex"
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PostgresOpsNode, drainNode, pauseShard, readPostgresClusterSnapshot, resumeShard, undrainNode } from '@polecat/ops';
import { runCli } from '@polecat/ops/cli';
import { runShards, type AgentContext, type ProjectionCoordinator } from '@polecat/polecat';

const url = process.env.POLECAT_TEST_PG || 'postgres://postgres@127.0.0.1:5432/test';
const watchdog = setTimeout(() => {
  console.error('example did not finish within 60 s');
  process.exit(1);
}, 60_000);
watchdog.unref();

const admin = new pg.Client({ connectionString: url, application_name: 'ops-example', connectionTimeoutMillis: 3000 });
admin.on('error', () => {});
try {
  await admin.connect();
} catch (error) {
  const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  console.log(`PostgreSQL unreachable (${error instanceof Error ? error.message : String(error)}); ${ci ? 'required in CI' : 'skipping the example'}`);
  process.exit(ci ? 1 : 0);
}
const schema = `ops_example_${randomUUID().slice(0, 8)}`; // (a private schema: the example cleans up after itself)
await admin.query(`CREATE SCHEMA ${schema}`);

const running = new Map<string, string>(); // shard -> node running it
const shardFunctions = (node: string) => {
  const agent = async ({ signal, shard }: AgentContext) => {
    running.set(shard.identity, node);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    running.delete(shard.identity);
  };
  return { Trip: agent, Day: agent, Invoice: agent, Audit: agent, Mail: agent, Report: agent };
};

const nodes: { ops: PostgresOpsNode; coordinator: ProjectionCoordinator }[] = [];
for (const nodeId of ['node-a', 'node-b', 'node-c']) {
  const ops = new PostgresOpsNode({ connection: url, nodeId, schema, version: '1.0.0', registryIntervalMs: 1000 });
  const coordinator = await runShards({
    connection: url,
    applicationName: ops.lockApplicationName, // polecat:node-a: how the cluster view names the holder
    ownershipIntents: ops, // pause / drain, read every cycle (NOTIFY: at once)
    shards: shardFunctions(nodeId),
    settings: { leadershipPollingTimeMs: 500, daemonLockId: 910_000 },
  });
  ops.attach(coordinator); // its owned sets go into the registry
  nodes.push({ ops, coordinator });
}

const until = async (what: string, condition: () => boolean | Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
const status = async (): Promise<void> => {
  const code = await runCli(['status', url, '--schema', schema], {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: {},
  });
  if (code !== 0) throw new Error(`polecat status exited ${code}`);
};
const snapshot = () => readPostgresClusterSnapshot(admin, { schema });

try {
  await until(
    'every shard running and registered',
    async () => running.size === 6 && (await snapshot()).sets.every((set) => set.holder !== undefined && set.since !== undefined),
  );
  console.log('\n$ polecat status');
  await status();

  console.log('\n$ polecat pause Trip --reason "reindex"');
  await pauseShard(admin, 'Trip', { schema, by: 'example', reason: 'reindex' });
  await until('Trip stopped everywhere', () => !running.has('Trip:All'));
  console.log(`Trip runs nowhere; ${running.size} shards still run`);

  console.log('\n$ polecat drain node-a --reason "deploy"');
  await drainNode(admin, 'node-a', { schema, by: 'example', reason: 'deploy' });
  await until(
    'node-a empty',
    async () =>
      ![...running.values()].includes('node-a') && running.size === 5 && (await snapshot()).nodes.find((n) => n.nodeId === 'node-a')?.holds.length === 0,
  );
  await status();

  console.log('\n$ polecat resume Trip; polecat undrain node-a');
  await resumeShard(admin, 'Trip', { schema, by: 'example' });
  await undrainNode(admin, 'node-a', { schema, by: 'example' });
  await until('Trip runs again', () => running.has('Trip:All'));
  console.log(`Trip runs again on ${running.get('Trip:All')}`);
} finally {
  for (const { coordinator, ops } of nodes) {
    await coordinator.stop();
    await ops.dispose();
  }
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}
console.log('\nops example done');
