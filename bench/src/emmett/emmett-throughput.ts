/**
 * Steady-state projection throughput with and without our coordination: a backlog of `events`
 * messages, one node process draining it, either plain Emmett (its lock taken once at start) or
 * @polecat/emmett (the fencing epoch asserted in every batch transaction). Events/s of the
 * projector from its log (first to last applied message), so start-up is not counted. Rounds
 * alternate the two to spread the machine's load evenly.
 */
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { summarize } from '../stats';
import { spawnEmmettNode, stopEmmettNode } from './emmett-nodes';
import { createEmmettSchema, waitCaughtUp } from './emmett-side-by-side';
import { schemaUrl, type LegDriven } from './projections';

export interface EmmettThroughputResult {
  readonly events: number;
  readonly rounds: number;
  /** Median events/s of the projector (which also logs every message) over the rounds. */
  readonly plainEventsPerSecond: number;
  readonly oursEventsPerSecond: number;
  /** (plain / ours - 1) in %: what our coordination costs. */
  readonly overheadPercent: number;
}

export async function runEmmettThroughput(url: string, events: number, rounds: number, log: (line: string) => void): Promise<EmmettThroughputResult> {
  const rates: Record<'ours' | 'plain', number[]> = { ours: [], plain: [] };
  for (let round = 0; round < rounds; round += 1) {
    for (const mode of ['plain', 'ours'] as const) {
      const rate = await drain(url, mode, events, log);
      rates[mode].push(rate);
      log(`  throughput ${mode} round ${round + 1}/${rounds}: ${rate.toFixed(0)} events/s`);
    }
  }
  const plain = summarize(rates.plain).median;
  const ours = summarize(rates.ours).median;
  return { events, rounds, plainEventsPerSecond: plain, oursEventsPerSecond: ours, overheadPercent: (plain / ours - 1) * 100 };
}

async function drain(url: string, mode: 'ours' | 'plain', events: number, log: (line: string) => void): Promise<number> {
  const { schema, admin, drop } = await createEmmettSchema(url, `tp_${mode}`);
  try {
    const store = getPostgreSQLEventStore(schemaUrl(url, schema, `${schema}-appender`), { schema: { autoMigration: 'None' } });
    for (let first = 0; first < events; first += 100) {
      const batch: LegDriven[] = Array.from({ length: Math.min(100, events - first) }, (_, i) => ({ type: 'LegDriven', data: { trip: `trip-${(first / 100) % 40}`, km: 1 + ((first + i) % 17) } }));
      await store.appendToStream(`trip-${(first / 100) % 40}`, batch);
    }
    await store.close();
    const id = `${schema}-n1`;
    const node = await spawnEmmettNode({ url: schemaUrl(url, schema, id), id, mode }, log);
    try {
      if (!(await waitCaughtUp(admin, 300_000))) throw new Error(`${mode} did not drain ${events} events within 300 s`);
    } finally {
      await stopEmmettNode(node);
    }
    const { rows } = await admin.query<{ n: string; first: number; last: number }>('SELECT count(*)::text AS n, min(at) AS first, max(at) AS last FROM projector_log');
    const row = rows[0]!;
    return (Number(row.n) - 1) / ((row.last - row.first) / 1000);
  } finally {
    await drop();
  }
}
