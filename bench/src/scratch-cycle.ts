import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { ProjectionCoordinator, createFunctionDaemonFactory } from '@polecat/coordinator';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
const url = 'postgres://postgres@127.0.0.1:5432/polecat_h3';
const N = 10_000;
const daemonLockId = 50_000_000 + Math.floor(Math.random() * 1e8);
const distributor = new SingleTenantProjectionDistributor({ databases: [{ id: 'main', schema: 'public' }], shards: Array.from({ length: N }, (_, i) => shardName(`P${i}`)), daemonLockId, createLock: () => new PostgresAppLock(url, { applicationName: 'scratch-cycle', ...(process.env.NOVERIFY ? { verifyIntervalMs: 0 } : {}) }) });
const coordinator = new ProjectionCoordinator({ mode: 'HotCold', distributor, daemonFor: createFunctionDaemonFactory(() => ({ signal }) => new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }))), settings: { balance: false, leadershipPollingTime: 200 } });
const durations: number[] = [];
coordinator.on('cycle', (e) => durations.push(Number(e.durationMs)));
await coordinator.start();
await coordinator.whenOwned(N, { timeoutMs: 120_000 });
await new Promise((r) => setTimeout(r, 3000));
durations.length = 0;
const session = new Session(); session.connect();
if (process.env.PROF) { await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 200 }); await session.post('Profiler.start'); }
const c0 = process.cpuUsage(); const t0 = performance.now();
await new Promise((r) => setTimeout(r, 10_000));
const c1 = process.cpuUsage(c0); const el = performance.now() - t0;
if (process.env.PROF) { const { profile } = await session.post('Profiler.stop'); writeFileSync('/tmp/cycle.cpuprofile', JSON.stringify(profile)); }
console.log(`cycles ${durations.length} in ${(el / 1000).toFixed(1)} s, median ${durations.sort((a, b) => a - b)[durations.length >> 1]} ms; cpu ${((c1.user + c1.system) / 1000 / el * 100).toFixed(1)} % => ${((c1.user + c1.system) / 1000 / durations.length).toFixed(1)} ms cpu per cycle`);
await coordinator.stop();
process.exit(0);
