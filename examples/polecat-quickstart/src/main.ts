// The @polecat/polecat quick start. Run it in several processes against one database and each
// shard runs on exactly one of them; stop one and the others take its shards over.
import { runShards } from '@polecat/polecat';

const connection = process.env.DATABASE_URL ?? { backend: 'memory' as const }; // postgres://... or Server=...;Database=...
await using coordinator = await runShards({
  connection,
  shards: {
    Trip: async ({ signal }) => {
      while (!signal.aborted) await new Promise((r) => setTimeout(r, 200)); // project trips until told to stop
    },
    Day: async ({ signal, shard }) => {
      console.log(`${shard.identity} running here`);
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
    },
  },
  settings: { leadershipPollingTimeMs: 500 },
});

const status = await coordinator.whenOwned(2, { timeoutMs: 10_000 });
console.log('owned:', status.owned.map((set) => set.shards.join(',')).join(' | '));
