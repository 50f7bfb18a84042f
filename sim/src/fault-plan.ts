import type { Random } from './prng';

/** Kinds of fault a schedule can hold. */
export const FAULT_KINDS = ['crash-process', 'crash-machine', 'freeze', 'partition', 'stop', 'server-restart', 'session-kill', 'slow-link'] as const;
/** One of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One planned fault: at `atMs` (since the run started), on node `node`, lasting `durationMs`. */
export interface Fault {
  readonly kind: FaultKind;
  readonly atMs: number;
  readonly node: string;
  /** Freeze / partition / slow link: how long; crash / stop: until the restart; server restart: the downtime. */
  readonly durationMs: number;
}

/** Draws `count` faults in `[startMs, endMs)` over nodes `n1..nNodes`, sorted by time. */
export function planFaults(random: Random, nodes: number, count: number, startMs: number, endMs: number): Fault[] {
  const faults: Fault[] = [];
  for (let i = 0; i < count; i++) {
    const kind = random.pick(FAULT_KINDS);
    const atMs = startMs + Math.floor(random.next() * (endMs - startMs));
    const node = `n${random.int(1, nodes)}`;
    faults.push({ kind, atMs, node, durationMs: durationOf(kind, random) });
  }
  return faults.sort((a, b) => a.atMs - b.atMs);
}

function durationOf(kind: FaultKind, random: Random): number {
  switch (kind) {
    case 'freeze':
      return random.int(100, 8000);
    case 'partition':
      return random.int(500, 20_000);
    case 'crash-process':
    case 'crash-machine':
    case 'stop':
      return random.int(500, 15_000);
    case 'server-restart':
      return random.int(100, 5000);
    case 'slow-link':
      return random.int(1000, 10_000);
    case 'session-kill':
      return 0;
  }
}
