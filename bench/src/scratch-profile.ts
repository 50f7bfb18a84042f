// TEMPORARY profiling harness (helper perf); not part of the bench.
import { postgresTestUrl, spawnNode } from '@polecat/test-utils';
import { scope } from './configs';
import { sleep } from './stats';

const url = postgresTestUrl();
const shards = Number(process.env.SHARDS ?? 10_000);
const seconds = Number(process.env.SECONDS ?? 20);
const prof = process.env.PROF; // e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
const withStandby = process.env.STANDBY === '1';
const { daemonLockId, prefix } = scope('p');
const common = { coordinator: { balance: false }, databases: [{ id: 'main', url }], shards, shardPrefix: prefix, daemonLockId, agentEvents: false, logLevel: 'error' as const, readyTimeoutMs: 60_000 };
const owner = await spawnNode({ ...common, id: `${prefix}-owner`, ...(prof && !withStandby ? { env: { NODE_OPTIONS: prof } } : {}) });
await owner.whenOwned(shards, 180_000);
const standby = withStandby ? await spawnNode({ ...common, id: `${prefix}-standby`, ...(prof ? { env: { NODE_OPTIONS: prof } } : {}) }) : undefined;
await sleep(6000);
const a = await owner.usage();
const sa = await standby?.usage();
await sleep(seconds * 1000);
const b = await owner.usage();
const sb = await standby?.usage();
const cpu = (x: typeof a, y: typeof a) => (((y.cpuUserMicros + y.cpuSystemMicros - x.cpuUserMicros - x.cpuSystemMicros) / 1000 / (y.at - x.at)) * 100).toFixed(2);
console.log(JSON.stringify({ ownerCpu: cpu(a, b), rssMb: (b.rss / 1048576).toFixed(1), heapMb: (b.heapUsed / 1048576).toFixed(1), qps: (((b.roundTrips - a.roundTrips) / (b.at - a.at)) * 1000).toFixed(2), ...(sa && sb ? { standbyCpu: cpu(sa, sb), standbyRss: (sb.rss / 1048576).toFixed(1), sqps: (((sb.roundTrips - sa.roundTrips) / (sb.at - sa.at)) * 1000).toFixed(2) } : {}) }));
await standby?.stop();
await owner.stop();
