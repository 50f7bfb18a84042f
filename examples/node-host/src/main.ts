// A plain Node process: runHost starts the coordinator and drains it on SIGTERM/SIGINT within a
// deadline, then exits 0 (1 if draining failed; a second signal exits at once with 130/143).
// To show the drain, this example sends itself SIGTERM once it owns its shards.
import { InMemoryLockServer } from '@polecat/app-lock';
import { createProjectionCoordinator } from '@polecat/di-adapters';
import { runHost } from '@polecat/di-adapters/node';

const locks = new InMemoryLockServer(); // production: new PostgresAppLock(url) / new SqlServerAppLock(connectionString)
const shards = Object.fromEntries(
  ['Trip', 'Day', 'Distance'].map((name) => [
    name,
    async ({ signal }: { signal: AbortSignal }) => {
      console.log(`  agent ${name} started`);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      console.log(`  agent ${name} aborted (${(signal.reason as Error).message}); finishing its batch`);
      await new Promise((resolve) => setTimeout(resolve, 100)); // graceful work within the drain deadline
    },
  ]),
);
const coordinator = createProjectionCoordinator('HotCold', {
  shards,
  createLock: () => locks.createLock({ owner: 'host-node' }),
  settings: { leadershipPollingTime: 500 },
});

await runHost({
  coordinators: [coordinator],
  drainTimeoutMs: 5_000,
  logger: console,
  exit: (code) => {
    console.log(`exit ${code}; lock sessions still open: ${locks.openSessions}`);
    process.exit(locks.openSessions === 0 ? code : 1);
  },
});
await coordinator.whenOwned(3, { timeoutMs: 10_000 });
console.log(`owning ${coordinator.status().owned.length} shards; sending myself SIGTERM`);
process.kill(process.pid, 'SIGTERM');
