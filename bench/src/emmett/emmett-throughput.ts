/**
 * Steady-state projection throughput with and without our coordination: a backlog of `events`
 * messages, one node process draining it, either plain Emmett (its lock taken once at start) or
 * @polecat/emmett (the fencing epoch asserted in every batch transaction). Made to hold on a
 * machine whose load varies (rates swung 3.5x between runs): many short rounds in adjacent PAIRS
 * (plain then ours, ours then plain, alternating who goes first), the ratio taken WITHIN each pair
 * (both legs saw about the same load) and reported as the median with its spread; and the node's
 * CPU time per event (process user + system CPU over the projector's first to last applied
 * message, sampled every {@link CPU_SAMPLE_MS} ms); and the statements the node sent per event over
 * the same window, a count no load changes (under load 20-30 the CPU per event swung 2.6x too).
 */
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { summarize } from '../stats';
import { spawnEmmettNode, stopEmmettNode } from './emmett-nodes';
import { createEmmettSchema, waitCaughtUp } from './emmett-side-by-side';
import { schemaUrl, type LegDriven } from './projections';
import { pairedOverhead, type PairedOverhead } from './paired-overhead';

/** How often a draining node reports its CPU time. */
const CPU_SAMPLE_MS = 50;

/** One drained backlog. */
export interface DrainRound {
  readonly mode: 'ours' | 'plain';
  /** Projector events/s, first to last applied message. */
  readonly eventsPerSecond: number;
  /** Node process CPU (user + system, µs) per event over the same window (NaN without samples). */
  readonly cpuMicrosPerEvent: number;
  /** Statements the node sent per event over the same window: a count, whatever the load. */
  readonly statementsPerEvent: number;
}

export interface EmmettThroughputResult {
  readonly events: number;
  readonly pairs: number;
  readonly rounds: readonly DrainRound[];
  /** Per pair plain events/s / ours events/s - 1, in %: what our coordination costs in wall time. */
  readonly rate: PairedOverhead;
  /** Per pair ours CPU per event / plain CPU per event - 1, in %. */
  readonly cpu: PairedOverhead;
  /** Per pair ours statements per event / plain's - 1, in %. */
  readonly statements: PairedOverhead;
  /** Medians over the rounds, for the table. */
  readonly plainEventsPerSecond: number;
  readonly oursEventsPerSecond: number;
  readonly plainCpuMicrosPerEvent: number;
  readonly oursCpuMicrosPerEvent: number;
  readonly plainStatementsPerEvent: number;
  readonly oursStatementsPerEvent: number;
}

/** `pairs` adjacent plain/ours pairs of `events` each; the order inside a pair alternates. */
export async function runEmmettThroughput(url: string, events: number, pairs: number, log: (line: string) => void): Promise<EmmettThroughputResult> {
  const rounds: DrainRound[] = [];
  const ratePairs: [number, number][] = [];
  const cpuPairs: [number, number][] = [];
  const statementPairs: [number, number][] = [];
  for (let pair = 0; pair < pairs; pair += 1) {
    const order = pair % 2 === 0 ? (['plain', 'ours'] as const) : (['ours', 'plain'] as const);
    const got: Partial<Record<'ours' | 'plain', DrainRound>> = {};
    for (const mode of order) {
      const round = await drain(url, mode, events, log);
      got[mode] = round;
      rounds.push(round);
      log(
        `  throughput pair ${pair + 1}/${pairs} ${mode}: ${round.eventsPerSecond.toFixed(0)} events/s, ${round.cpuMicrosPerEvent.toFixed(0)} µs CPU and ${round.statementsPerEvent.toFixed(2)} statements per event`,
      );
    }
    // plain's rate over ours (> 1: ours slower); ours' CPU over plain's (> 1: ours costs more)
    ratePairs.push([got.plain!.eventsPerSecond, got.ours!.eventsPerSecond]);
    cpuPairs.push([got.ours!.cpuMicrosPerEvent, got.plain!.cpuMicrosPerEvent]);
    statementPairs.push([got.ours!.statementsPerEvent, got.plain!.statementsPerEvent]);
  }
  const median = (mode: 'ours' | 'plain', pick: (round: DrainRound) => number): number => summarize(rounds.filter((r) => r.mode === mode).map(pick)).median;
  return {
    events,
    pairs,
    rounds,
    rate: pairedOverhead(ratePairs),
    cpu: pairedOverhead(cpuPairs),
    statements: pairedOverhead(statementPairs),
    plainEventsPerSecond: median('plain', (r) => r.eventsPerSecond),
    oursEventsPerSecond: median('ours', (r) => r.eventsPerSecond),
    plainCpuMicrosPerEvent: median('plain', (r) => r.cpuMicrosPerEvent),
    oursCpuMicrosPerEvent: median('ours', (r) => r.cpuMicrosPerEvent),
    plainStatementsPerEvent: median('plain', (r) => r.statementsPerEvent),
    oursStatementsPerEvent: median('ours', (r) => r.statementsPerEvent),
  };
}

async function drain(url: string, mode: 'ours' | 'plain', events: number, log: (line: string) => void): Promise<DrainRound> {
  const { schema, admin, drop } = await createEmmettSchema(url, `tp_${mode}`);
  try {
    const store = getPostgreSQLEventStore(schemaUrl(url, schema, `${schema}-appender`), { schema: { autoMigration: 'None' } });
    for (let first = 0; first < events; first += 100) {
      const batch: LegDriven[] = Array.from({ length: Math.min(100, events - first) }, (_, i) => ({
        type: 'LegDriven',
        data: { trip: `trip-${(first / 100) % 40}`, km: 1 + ((first + i) % 17) },
      }));
      await store.appendToStream(`trip-${(first / 100) % 40}`, batch);
    }
    await store.close();
    const id = `${schema}-n1`;
    const node = await spawnEmmettNode({ url: schemaUrl(url, schema, id), id, mode, cpuSampleMs: CPU_SAMPLE_MS }, log);
    try {
      if (!(await waitCaughtUp(admin, 300_000))) throw new Error(`${mode} did not drain ${events} events within 300 s`);
      await new Promise((resolve) => setTimeout(resolve, 2 * CPU_SAMPLE_MS)); // a CPU sample after the last message
    } finally {
      await stopEmmettNode(node);
    }
    const { rows } = await admin.query<{ n: string; first: number; last: number }>(
      'SELECT count(*)::text AS n, min(at) AS first, max(at) AS last FROM projector_log',
    );
    const row = rows[0]!;
    const applied = Number(row.n) - 1;
    const cpuMs = sampleAt(node.cpu, 'cpuMs', row.last) - sampleAt(node.cpu, 'cpuMs', row.first);
    const statements = sampleAt(node.cpu, 'queries', row.last) - sampleAt(node.cpu, 'queries', row.first);
    return {
      mode,
      eventsPerSecond: applied / ((row.last - row.first) / 1000),
      cpuMicrosPerEvent: (cpuMs * 1000) / applied,
      statementsPerEvent: statements / applied,
    };
  } finally {
    await drop();
  }
}

/** A sampled counter (`cpuMs`, `queries`) at time `at`, interpolated between the samples around it (NaN outside them). */
export function sampleAt<K extends string>(samples: readonly ({ at: number } & Record<K, number>)[], key: K, at: number): number {
  for (let i = 1; i < samples.length; i += 1) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (a.at <= at && at <= b.at) return b.at === a.at ? a[key] : a[key] + ((b[key] - a[key]) * (at - a.at)) / (b.at - a.at);
  }
  return Number.NaN;
}
