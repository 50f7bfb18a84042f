// TEMPORARY in-process steady-state harness (helper perf).
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { ProjectionCoordinator, createFunctionDaemonFactory } from '@polecat/coordinator';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { postgresTestUrl } from '@polecat/test-utils';

const gc = (globalThis as { gc?: () => void }).gc!;
const url = postgresTestUrl();
const n = Number(process.env.SHARDS ?? 10_000);
const seconds = Number(process.env.SECONDS ?? 20);
const mb = (x: number) => (x / 1048576).toFixed(1);
gc();
const m0 = process.memoryUsage();
const prefix = `I${Date.now().toString(36)}x`;
const shards = Array.from({ length: n }, (_, i) => shardName(`${prefix}${i}`));
const distributor = new SingleTenantProjectionDistributor({ databases: [{ id: 'main', schema: 'public' }], shards, createLock: () => new PostgresAppLock(url), daemonLockId: 10_000_000 + Math.floor(Math.random() * 1e9) });
let running = 0;
const cycles: number[] = [];
const coordinator = new ProjectionCoordinator({
  mode: 'HotCold',
  distributor,
  settings: { balance: false } as never,
  daemonFor: createFunctionDaemonFactory(() => async ({ signal }) => {
    running++;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    running--;
  }),
});
coordinator.on('cycle', (e) => cycles.push(e.durationMs));
const t0 = performance.now();
await coordinator.start();
if (process.env.WHEN === '1') await coordinator.whenOwned(n, { timeoutMs: 300_000 });
else while (running < n) await new Promise((r) => setTimeout(r, 20));
console.log('owned in', (performance.now() - t0).toFixed(0), 'ms; running', running);
await new Promise((r) => setTimeout(r, 6000));
gc();
const m1 = process.memoryUsage();
const c1 = process.cpuUsage();
const w1 = performance.now();
cycles.length = 0;
await new Promise((r) => setTimeout(r, seconds * 1000));
const c2 = process.cpuUsage(c1);
const w2 = performance.now();
gc();
const m2 = process.memoryUsage();
console.log(JSON.stringify({
  cpuPct: (((c2.user + c2.system) / 1000 / (w2 - w1)) * 100).toFixed(2),
  cycles: cycles.map((c) => c.toFixed(1)).join(','),
  rssAbove: mb(m2.rss - m0.rss), heapAbove: mb(m2.heapUsed - m0.heapUsed), perAgentBytes: ((m2.heapUsed - m0.heapUsed) / n).toFixed(0),
  heapDelta: mb(m2.heapUsed - m1.heapUsed),
}));
if (process.env.SNAP === '1') { const v8 = await import('node:v8'); console.log('snapshot', v8.writeHeapSnapshot('/tmp/prof/heap.heapsnapshot')); }
const s0 = performance.now();
await coordinator.stop();
console.log('stop ms', (performance.now() - s0).toFixed(1));
