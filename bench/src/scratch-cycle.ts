// TEMPORARY: per-cycle CPU of an owner at 10 000 shards (in-memory lock).
import { InMemoryLockServer } from '@polecat/app-lock';
import { ProjectionCoordinator, createFunctionDaemonFactory } from '@polecat/coordinator';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
const n = Number(process.env.SHARDS ?? 10_000);
const server = new InMemoryLockServer();
const shards = Array.from({ length: n }, (_, i) => shardName(`S${i}`));
const distributor = new SingleTenantProjectionDistributor({ databases: [{ id: 'main' }], shards, createLock: () => server.createLock({ verifyIntervalMs: 0 }) });
const coordinator = new ProjectionCoordinator({ mode: 'HotCold', distributor, settings: { balance: false } as never,
  daemonFor: createFunctionDaemonFactory(() => async ({ signal }) => { await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true })); }) });
let cycles = 0; let resolveCycle: (() => void) | undefined;
coordinator.on('cycle', () => { cycles++; resolveCycle?.(); });
await coordinator.start();
await coordinator.whenOwned(n, { timeoutMs: 120_000 });
const next = () => new Promise<void>((r) => { resolveCycle = r; coordinator.wake(); });
for (let i = 0; i < 10; i++) await next();
const c0 = process.cpuUsage(); const t0 = performance.now();
const N = 30;
for (let i = 0; i < N; i++) await next();
const c = process.cpuUsage(c0);
console.log('cpu ms per cycle', ((c.user + c.system) / 1000 / N).toFixed(2), 'wall ms', ((performance.now() - t0) / N).toFixed(2));
const lock = server.createLock(); // verify cost
const s0 = performance.now(); await coordinator.stop(); console.log('stop ms', (performance.now() - s0).toFixed(1));
void lock;
