// A plain Node process: runHost starts the coordinator and drains it on SIGTERM/SIGINT within a
// deadline (agents finish their last batch on the still-open pool, locks released), then the pool is
// ended and the process exits 0 (1 if draining failed; a second signal exits at once with 130/143).
// `--pg <url>` runs it on PostgreSQL advisory locks with a real pg pool. It sends itself SIGTERM.
import { createProjectionCoordinator } from '@polecat/di-adapters';
import { runHost } from '@polecat/di-adapters/node';
import { createBackend } from './backend';

const backend = createBackend();
const { pool } = backend; // the dependency the shards use, handed to them as any argument
const shards = Object.fromEntries(
  ['Trip', 'Day', 'Distance'].map((name) => [
    name,
    async ({ signal }: { signal: AbortSignal }) => {
      console.log(`  agent ${name} started`);
      while (!signal.aborted) {
        await pool.query('select 1 as n');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      console.log(`  agent ${name} aborted (${(signal.reason as Error).message}); finishing its batch`);
      await pool.query('select 1 as n'); // graceful work within the drain deadline, on the open pool
    },
  ]),
);
const coordinator = createProjectionCoordinator('HotCold', { shards, createLock: () => backend.createLock(), settings: { leadershipPollingTimeMs: 500 } });

await runHost({
  coordinators: [coordinator],
  drainTimeoutMs: 5_000,
  logger: console,
  exit: (code) => {
    void (async () => {
      const left = await backend.locksLeft();
      await pool.end(); // after the drain: nothing uses it any more
      console.log(`exit ${code}; advisory locks left: ${left}`);
      process.exit(left === 0 ? code : 1);
    })();
  },
});
await coordinator.whenOwned(3, { timeoutMs: 10_000 });
console.log(`${backend.name}: owning ${coordinator.status().owned.length} shards; advisory locks held: ${await backend.locksHeld()}; sending myself SIGTERM`);
process.kill(process.pid, 'SIGTERM');
