/**
 * A projection that keeps its checkpoint with fencing epochs. Two nodes race for one shard on
 * the machine's PostgreSQL. Node A owns it and advances the checkpoint; then A "freezes" (we stop
 * its loop without telling it) and the server drops its lock session. Node B takes over with a
 * newer epoch and writes. A wakes up and tries one more write with its old epoch: PostgreSQL
 * refuses it (StaleEpochError) and the checkpoint keeps B's position.
 */
import pg from 'pg';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { ProjectionCoordinator, createFunctionDaemonFactory, type AgentContext } from '@polecat/coordinator';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { FencingEpochSource, PostgresEpochStore, StaleEpochError } from '@polecat/fencing';

const url = process.env.POLECAT_TEST_PG || 'postgres://postgres@127.0.0.1:5432/test';
const watchdog = setTimeout(() => {
  console.error('example did not finish within 45 s');
  process.exit(1);
}, 45_000);
watchdog.unref();

const pool = new pg.Pool({ connectionString: url, application_name: 'fencing-example', max: 4, connectionTimeoutMillis: 3000 });
pool.on('error', () => {});
try {
  await pool.query('select 1');
} catch (error) {
  const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  console.log(`PostgreSQL unreachable (${error instanceof Error ? error.message : String(error)}); ${ci ? 'required in CI' : 'skipping the example'}`);
  await pool.end();
  process.exit(ci ? 1 : 0);
}

const run = Math.random().toString(36).slice(2, 8);
const checkpoints = `example_checkpoints_${run}`;
await pool.query(`create table ${checkpoints} (shard text primary key, position bigint not null, epoch bigint not null)`);
const store = new PostgresEpochStore(pool, { table: `example_epochs_${run}` });
const fencing = new FencingEpochSource({ store });
const daemonLockId = 100_000 + Math.floor(Math.random() * 1_000_000_000);

/** THE PATTERN: check the epoch and write the checkpoint in one transaction. */
async function saveCheckpoint(key: string, epoch: bigint, shard: string, position: number): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await store.assertCurrent(client, key, epoch); // SELECT ... FOR SHARE; throws StaleEpochError if a newer grant exists
    await client.query(
      `insert into ${checkpoints} (shard, position, epoch) values ($1, $2, $3)
       on conflict (shard) do update set position = excluded.position, epoch = excluded.epoch`,
      [shard, position, epoch.toString()],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

const late: { write?: () => Promise<void> } = {};
let position = 0;
function projection(node: string) {
  return async ({ signal, shard, database, epoch }: AgentContext): Promise<void> => {
    const key = fencing.keyFor(database, shard)!;
    console.log(`${node} runs ${shard.identity} with epoch ${epoch}`);
    while (!signal.aborted) {
      position += 1;
      await saveCheckpoint(key, epoch!, shard.identity, position);
      if (node === 'A' && position === 3) {
        // A freezes here: it will try one more write later, long after it lost the lock
        late.write = () => saveCheckpoint(key, epoch!, shard.identity, 999);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
}

function node(name: string) {
  return new ProjectionCoordinator({
    mode: 'HotCold',
    distributor: new SingleTenantProjectionDistributor({
      databases: [{ id: 'main', schema: 'public' }],
      shards: [shardName('Orders')],
      daemonLockId,
      createLock: () => new PostgresAppLock(url, { applicationName: `fencing-example-${run}-${name}` }),
    }),
    daemonFor: createFunctionDaemonFactory(() => projection(name)),
    // releaseLocksOnPause: false lets pause() stand in for a frozen process that still holds its lock
    settings: { daemonLockId, leadershipPollingTimeMs: 200, releaseLocksOnPause: false },
    epochs: fencing,
  });
}

let exitCode = 1;
const a = node('A');
const b = node('B');
try {
  await a.start();
  await a.whenOwned(1, { timeoutMs: 10_000 });
  while (late.write === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
  await a.pause(); // A freezes: no more cycles, but its lock session is still alive
  await b.start();
  // the server drops A's lock session (as after a network partition); B is granted the lock
  await pool.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [`fencing-example-${run}-A`]);
  await b.whenOwned(1, { timeoutMs: 10_000 });
  while (position < 6) await new Promise((resolve) => setTimeout(resolve, 20));
  try {
    await late.write();
    console.log('A: late write ACCEPTED (this must not happen)');
  } catch (error) {
    if (!StaleEpochError.isStale(error)) throw error;
    console.log(`A: late write refused by PostgreSQL: ${error.message}`);
    exitCode = 0;
  }
  const { rows } = await pool.query<{ position: string; epoch: string }>(`select position, epoch from ${checkpoints}`);
  console.log(`checkpoint: position ${rows[0]!.position}, written with epoch ${rows[0]!.epoch}`);
  if (rows[0]!.position === '999') exitCode = 1;
} finally {
  await Promise.all([a.stop(), b.stop()]);
  await pool.query(`drop table if exists ${checkpoints}, example_epochs_${run}`);
  await pool.end();
}
process.exit(exitCode);
