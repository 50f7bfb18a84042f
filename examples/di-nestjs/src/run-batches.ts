import type { AgentContext } from '@polecat/coordinator';
import type { Queryable } from './backend';

/** A shard's work: one query per batch until the signal aborts, then one last batch (the one in flight). */
export async function runBatches(name: string, pool: Queryable, { signal }: AgentContext): Promise<void> {
  console.log(`  agent ${name} started`);
  while (!signal.aborted) {
    await pool.query('select 1 as n');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await pool.query('select 1 as n'); // finishing the batch in flight: the pool must still be open
  console.log(`  agent ${name} stopped after its last batch`);
}
