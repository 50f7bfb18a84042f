/** What the chaos parent hands each node process (JSON in argv[2]). */
export interface ChaosNodeConfig {
  readonly node: string;
  readonly runId: string;
  /** Connection string through this node's own TCP proxy. */
  readonly url: string;
  readonly shards: number;
  readonly daemonLockId: number;
  readonly epochTable: string;
  readonly ledgerTable: string;
  readonly refusalTable: string;
  readonly writeIntervalMs: number;
}

/** `application_name` prefix of every session of a run (lock sessions, writer pools). */
export function appPrefix(runId: string): string {
  return `chaos-${runId}-`;
}

/** What a node prints on stdout (one JSON object per line). */
export type ChaosNodeEvent =
  | { readonly type: 'ready'; readonly node: string; readonly pid: number }
  | { readonly type: 'stats'; readonly writes: number; readonly refused: number; readonly errors: number; readonly grants: number; readonly owned: number; readonly detail?: string };
