import { readFileSync, readdirSync } from 'node:fs';
import { spawnNode } from '@polecat/test-utils';
import { scope, OURS, BASELINE } from './configs';
import { sleep } from './stats';
const url = 'postgres://postgres@127.0.0.1:5432/polecat_h2';
const config = process.env.BASE ? BASELINE : OURS;
const { daemonLockId, prefix } = scope('t');
const owner = await spawnNode({ id: `${prefix}-owner`, databases: [{ id: 'main', url }], shards: 10_000, shardPrefix: prefix, daemonLockId, coordinator: { ...config.coordinator, ...(process.env.NOCYCLE ? { leadershipPollingTime: 600000 } : {}) }, lock: { ...config.lock, ...(process.env.NOVERIFY ? { verifyIntervalMs: 0 } : {}) }, sequentialAttempts: config.sequentialAttempts, agentEvents: false, logLevel: 'error', readyTimeoutMs: 60_000 });
await owner.whenOwned(10_000, 180_000);
const pid = (owner as unknown as { pid?: number }).pid;
const findPid = (): number => {
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try { if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`${prefix}-owner`)) return Number(p); } catch {}
  }
  throw new Error('no pid');
};
const p = pid ?? findPid();
const sample = (): Map<string, number> => {
  const m = new Map<string, number>();
  for (const t of readdirSync(`/proc/${p}/task`)) {
    const stat = readFileSync(`/proc/${p}/task/${t}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    m.set(`${comm}#${t}`, ticks);
  }
  return m;
};
await sleep(8000);
const a = sample(); const u1 = await owner.usage();
const seconds = Number(process.env.SECONDS_ ?? 30);
await sleep(seconds * 1000);
const b = sample(); const u2 = await owner.usage();
const rows = [...b].map(([k, v]) => [k, (v - (a.get(k) ?? 0)) / seconds] as const).filter(([, v]) => v > 0).sort((x, y) => y[1] - x[1]);
console.log(`${config.name}: cpu ${(((u2.cpuUserMicros + u2.cpuSystemMicros - u1.cpuUserMicros - u1.cpuSystemMicros) / 1000 / (u2.at - u1.at)) * 100).toFixed(2)} % (user ${((u2.cpuUserMicros - u1.cpuUserMicros) / 1000 / (u2.at - u1.at) * 100).toFixed(2)}), rss ${(u2.rss / 1e6).toFixed(0)} MB heap ${(u2.heapUsed / 1e6).toFixed(0)} MB`);
for (const [k, v] of rows) console.log(`  ${k}: ${v.toFixed(2)} % (ticks/s)`);
await owner.stop();
process.exit(0);
