/**
 * Diagnostic, not a benchmark row: one node owning `shards` shards, its memory printed every 3 s
 * (RSS, V8 heap committed and in use, external, array buffers, young generation), with `gc` after a
 * full garbage collection. Shows the start-up peak and V8's memory reducer returning it (row 3).
 * `POLECAT_TEST_PG=... node --import tsx src/memory-trace.ts [shards=10000] [seconds=30] [gc]`
 */
import { spawnNode } from '@polecat/test-utils';
import { scope } from './configs';
import { sleep } from './stats';

const url = process.env.POLECAT_TEST_PG;
if (url === undefined) throw new Error('memory-trace: set POLECAT_TEST_PG');
const shards = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 30);
const gc = process.argv[4] === 'gc';
const mb = (n: number | undefined): string => ((n ?? 0) / 1024 / 1024).toFixed(1).padStart(6);
const { daemonLockId, prefix } = scope('m');
const owner = await spawnNode({
  databases: [{ id: 'main', url }],
  shards,
  shardPrefix: prefix,
  daemonLockId,
  agentEvents: false,
  logLevel: 'error',
  readyTimeoutMs: 60_000,
  id: `${prefix}-owner`,
  nodeArgs: gc ? ['--expose-gc'] : [],
});
const t0 = Date.now();
const line = async (label: string): Promise<void> => {
  const u = await owner.usage(10_000, gc);
  console.log(
    `${label.padEnd(8)} t=${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s rss ${mb(u.rss)} heapTotal ${mb(u.heapTotal)} heapUsed ${mb(u.heapUsed)} ext ${mb(u.external)} ab ${mb(u.arrayBuffers)} new ${mb(u.newSpace)} gc=${u.collected}`,
  );
};
await line('ready');
await owner.whenOwned(shards, 180_000);
await line('owned');
for (let t = 0; t < seconds; t += 3) {
  await sleep(3_000);
  await line('steady');
}
await owner.stop();
