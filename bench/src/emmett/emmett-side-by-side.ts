/**
 * The Emmett side by side (issue 24): the same projector and reactor on 3 node processes, through
 * @polecat/emmett (our defaults) and as plain Emmett 0.42 with its own processor lock (its default
 * 300 s lease, and 10 s), under a steady append load. Faults: SIGKILL of the projector's owner,
 * graceful stop (SIGTERM), SIGSTOP for 15 s then SIGCONT. Per fault, the time until every processor
 * the victim ran applies a message again (from the processors' own logs: node and time of every
 * applied message); at the end, messages applied twice or never (up to each checkpoint) and the
 * read model against a replay of emt_messages.
 */
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { sleep, summarize, type Summary } from '../stats';
import { spawnEmmettNode, stopEmmettNode, type EmmettNode } from './emmett-nodes';
import { PROCESSORS, PROJECTION, TABLES_SQL, schemaUrl, type LegDriven } from './projections';

export const EMMETT_FAULTS = ['graceful-stop', 'sigstop', 'sigkill'] as const;
export type EmmettFault = (typeof EMMETT_FAULTS)[number];

/** Who coordinates: ours, or Emmett's own lock with its default lease or a 10 s one. */
export interface EmmettVariant {
  readonly name: 'ours' | 'plain-300s' | 'plain-10s';
  readonly mode: 'ours' | 'plain';
  readonly leaseSeconds?: number;
}
export const EMMETT_VARIANTS: readonly EmmettVariant[] = [
  { name: 'ours', mode: 'ours' },
  { name: 'plain-300s', mode: 'plain' },
  { name: 'plain-10s', mode: 'plain', leaseSeconds: 10 },
];

export interface EmmettPlan {
  /** Trials per fault for ours (p99 over them is a target). */
  readonly trials: number;
  /**
   * Trials per fault for plain Emmett, its default-lease SIGKILL aside: its figures are set by the
   * lease (SIGKILL, SIGSTOP) or by Emmett's own release (graceful stop), so fewer trials show them.
   */
  readonly plainTrials: number;
  /** Longest wait for a processor to advance again after a fault (a trial past it counts as not advanced). */
  readonly capMs: number;
  /** Trials of SIGKILL with Emmett's default lease (each waits out the 300 s lease, up to `defaultLeaseCapMs`). */
  readonly defaultLeaseKillTrials: number;
  readonly defaultLeaseCapMs: number;
  readonly appendEveryMs: number;
}

export const SIGSTOP_MS = 15_000;

export interface EmmettFaultResult {
  readonly variant: EmmettVariant['name'];
  readonly fault: EmmettFault;
  /** Fault -> every processor the victim ran applied a message again (elsewhere; for SIGSTOP: anywhere, the victim after SIGCONT included). */
  readonly advancedAgain: Summary;
  /** Trials in which some processor had not advanced again within `capMs`. */
  readonly notAdvanced: number;
  readonly capMs: number;
  /** Every trial, one that did not advance counted as `capMs` (then a lower bound). */
  readonly withCap: Summary;
  /** Graceful stop: SIGTERM -> the victim process exited, per trial (Infinity: SIGKILLed after 10 s). */
  readonly exitsMs: readonly number[];
  readonly events: number;
  /** Both processors caught up with the last appended message within `plan.capMs` after the load stopped. */
  readonly caughtUp: boolean;
  /** Messages applied more than once, both processors (rows in the logs beyond the first per position). */
  readonly appliedTwice: number;
  /** Messages at or below a processor's checkpoint that it never applied, both processors. */
  readonly lost: number;
  /** Trips whose read-model row differs from a replay of emt_messages up to the projector's checkpoint. */
  readonly readModelRowsDiffering: number;
}

/** Drops the schemas an interrupted earlier run left (Emmett's migration skips functions that exist in any schema). */
export async function dropLeftoverSchemas(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url, application_name: 'bench-emmett-cleanup' });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ name: string }>("SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'bench\\_emmett\\_%'");
    for (const { name } of rows) await admin.query(`DROP SCHEMA ${name} CASCADE`);
  } finally {
    await admin.end();
  }
}

/** Creates a schema with Emmett's tables and the processors' tables; returns its admin client and store. */
export async function createEmmettSchema(url: string, tag: string): Promise<{ schema: string; admin: pg.Client; drop: () => Promise<void> }> {
  const schema = `bench_emmett_${tag}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: url, application_name: `${schema}-admin` });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`SET search_path = ${schema}, public`);
  const store = getPostgreSQLEventStore(schemaUrl(url, schema, `${schema}-migrate`), { schema: { autoMigration: 'None' } });
  await store.schema.migrate();
  await store.close();
  for (const sql of TABLES_SQL) await admin.query(sql);
  const drop = async (): Promise<void> => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end().catch(() => undefined);
  };
  return { schema, admin, drop };
}

/** A steady append load: one `LegDriven` event every `everyMs` on one of 40 trip streams. */
export function startAppender(url: string, schema: string, everyMs: number): { stop: () => Promise<number> } {
  const store = getPostgreSQLEventStore(schemaUrl(url, schema, `${schema}-appender`), { schema: { autoMigration: 'None' } });
  let running = true;
  let appended = 0;
  const loop = (async () => {
    while (running) {
      const trip = `trip-${appended % 40}`;
      const event: LegDriven = { type: 'LegDriven', data: { trip, km: 1 + (appended % 17) } };
      await store.appendToStream(trip, [event]);
      appended += 1;
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      await store.close();
      return appended;
    },
  };
}

/** One fault on a fresh schema and 3 fresh nodes: `plan.trials` trials, then the exactly-once checks. */
export async function runEmmettFault(
  url: string,
  variant: EmmettVariant,
  fault: EmmettFault,
  plan: EmmettPlan,
  log: (line: string) => void,
): Promise<EmmettFaultResult> {
  const { schema, admin, drop } = await createEmmettSchema(url, variant.name.replace('-', '_'));
  let serial = 0;
  const spawn = (): Promise<EmmettNode> => {
    const id = `${schema}-n${(serial += 1)}`;
    return spawnEmmettNode(
      { url: schemaUrl(url, schema, id), id, mode: variant.mode, ...(variant.leaseSeconds === undefined ? {} : { leaseSeconds: variant.leaseSeconds }) },
      log,
    );
  };
  let nodes: EmmettNode[] = [];
  let appender: ReturnType<typeof startAppender> | undefined;
  const leaseBound = fault === 'sigkill' && variant.name === 'plain-300s';
  const trials = leaseBound ? plan.defaultLeaseKillTrials : variant.mode === 'plain' ? plan.plainTrials : plan.trials;
  const capMs = leaseBound ? plan.defaultLeaseCapMs : plan.capMs;
  try {
    nodes = await Promise.all([spawn(), spawn(), spawn()]);
    appender = startAppender(url, schema, plan.appendEveryMs);
    const ownerOf = (shard: string): EmmettNode | undefined => nodes.find((node) => node.alive() && node.owned.has(shard));
    const times: number[] = [];
    const exitsMs: number[] = [];
    let notAdvanced = 0;
    for (let trial = 0; trial < trials; trial += 1) {
      const deadline = Date.now() + plan.capMs + 30_000;
      let victim: EmmettNode | undefined;
      // both running, at a random phase of the polls; again if a hand-over (balancing) is under way then
      while (victim === undefined || PROCESSORS.some(({ shard }) => ownerOf(shard) === undefined)) {
        if (Date.now() > deadline) throw new Error(`${variant.name}: the processors never had owners again`);
        if (PROCESSORS.some(({ shard }) => ownerOf(shard) === undefined)) await sleep(20);
        else await sleep(1000 + Math.random() * 500);
        victim = ownerOf(PROJECTION);
      }
      const affected = PROCESSORS.filter(({ shard }) => victim.owned.has(shard));
      const at = Date.now();
      let contAt = Number.MAX_VALUE; // from then on, the victim's own messages count as advancing (SIGSTOP)
      let exited: Promise<number> | undefined;
      if (fault === 'sigkill') victim.child.kill('SIGKILL');
      else if (fault === 'graceful-stop') exited = stopEmmettNode(victim);
      else {
        victim.child.kill('SIGSTOP');
        contAt = at + SIGSTOP_MS;
        setTimeout(() => victim.child.kill('SIGCONT'), SIGSTOP_MS);
      }
      const advancedAt = async (): Promise<number | undefined> => {
        let latest = 0;
        for (const { log: table } of affected) {
          const { rows } = await admin.query<{ at: number | null }>(`SELECT min(at) AS at FROM ${table} WHERE at > $1 AND (node <> $2 OR at > $3)`, [
            at,
            victim.id,
            contAt,
          ]);
          if (rows[0]!.at === null) return undefined;
          latest = Math.max(latest, rows[0]!.at);
        }
        return latest;
      };
      let advanced: number | undefined;
      while ((advanced = await advancedAt()) === undefined && Date.now() < at + capMs) await sleep(50);
      if (advanced === undefined) notAdvanced += 1;
      else times.push(advanced - at);
      if (fault === 'sigstop') await sleep(Math.max(0, contAt - Date.now() + 200));
      else {
        const exitMs = await (exited ?? stopEmmettNode(victim)); // already dead, or stopping
        if (exited !== undefined) exitsMs.push(exitMs);
        nodes = [...nodes.filter((node) => node !== victim), await spawn()];
      }
      log(
        `  ${variant.name} ${fault} ${trial + 1}/${trials}: ${advanced === undefined ? `not advanced within ${capMs} ms` : `advanced again after ${(advanced - at).toFixed(0)} ms`} (victim ran ${affected.map((p) => p.shard).join(', ')}${exited === undefined ? '' : `; exited ${exitsMs.at(-1)!.toFixed(0)} ms after SIGTERM`})`,
      );
    }
    const events = await appender.stop();
    appender = undefined;
    const caughtUp = await waitCaughtUp(admin, plan.capMs);
    const checks = await exactlyOnce(admin);
    log(
      `  ${variant.name} ${fault}: ${events} events, ${checks.appliedTwice} applied twice, ${checks.lost} lost, ${checks.readModelRowsDiffering} read-model rows differ${caughtUp ? '' : ', not caught up'}`,
    );
    return {
      variant: variant.name,
      fault,
      advancedAgain: summarize(times),
      notAdvanced,
      capMs,
      withCap: summarize([...times, ...Array.from({ length: notAdvanced }, () => capMs)]),
      exitsMs,
      events,
      caughtUp,
      ...checks,
    };
  } finally {
    await appender?.stop().catch(() => undefined);
    await Promise.all(nodes.map((node) => stopEmmettNode(node)));
    await drop();
  }
}

/** Waits until both processors' checkpoints reach the last message (false after `timeoutMs`). */
export async function waitCaughtUp(admin: pg.Client, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await admin.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM emt_processors WHERE processor_id = ANY($1) AND last_processed_checkpoint::bigint >= (SELECT coalesce(max(global_position), 0) FROM emt_messages)`,
      [PROCESSORS.map((p) => p.processorId)],
    );
    if (rows[0]!.n === String(PROCESSORS.length)) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

async function exactlyOnce(admin: pg.Client): Promise<{ appliedTwice: number; lost: number; readModelRowsDiffering: number }> {
  let appliedTwice = 0;
  let lost = 0;
  let projectorCheckpoint = '0';
  for (const { processorId, log } of PROCESSORS) {
    const { rows } = await admin.query<{ checkpoint: string | null }>(
      'SELECT last_processed_checkpoint::bigint::text AS checkpoint FROM emt_processors WHERE processor_id = $1',
      [processorId],
    );
    const checkpoint = rows[0]?.checkpoint ?? '0';
    if (log === 'projector_log') projectorCheckpoint = checkpoint;
    const counts = await admin.query<{ twice: string; lost: string }>(
      `SELECT (SELECT count(*) - count(DISTINCT position) FROM ${log})::text AS twice,
              ((SELECT count(*) FROM emt_messages WHERE global_position <= $1::bigint) - (SELECT count(DISTINCT position) FROM ${log} WHERE position <= $1::bigint))::text AS lost`,
      [checkpoint],
    );
    appliedTwice += Number(counts.rows[0]!.twice);
    lost += Number(counts.rows[0]!.lost);
  }
  const diff = await admin.query<{ n: string }>(
    `WITH replay AS (
       SELECT message_data->>'trip' AS trip, sum((message_data->>'km')::bigint) AS km, count(*)::int AS legs
       FROM emt_messages WHERE global_position <= $1::bigint GROUP BY 1)
     SELECT count(*)::text AS n FROM ((SELECT trip, km, legs FROM trips EXCEPT SELECT * FROM replay) UNION ALL (SELECT * FROM replay EXCEPT SELECT trip, km, legs FROM trips)) d`,
    [projectorCheckpoint],
  );
  return { appliedTwice, lost, readModelRowsDiffering: Number(diff.rows[0]!.n) };
}
