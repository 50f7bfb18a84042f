import type { ServerKeepAlive } from '@polecat/app-lock-postgres';

/** What the chaos parent hands each node process (JSON in argv[2]). */
export interface ChaosNodeConfig {
  readonly node: string;
  readonly runId: string;
  /** The control database (ledger, epochs; the single-tenant system's locks), through this node's proxy or link. */
  readonly url: string;
  readonly shards: number;
  readonly daemonLockId: number;
  readonly epochTable: string;
  readonly ledgerTable: string;
  readonly refusalTable: string;
  readonly writeIntervalMs: number;
  /** The multi-tenant system: tenant databases (on the same server as `url`), re-read from this file every build. */
  readonly tenantFile: string;
  readonly tenantShards: number;
  readonly tenantDaemonLockId: number;
  /** The tenants' locks live in one lock home: the control database (`url`), through the same proxy or link. */
  readonly lockHome: boolean;
  /** Seed of this node's agents' stop times. */
  readonly seed: number;
  /** After a voluntary stop (hand-over, pause, stop) an agent needs this long to finish its batch (uniform, ms). */
  readonly finishMs: { readonly min: number; readonly max: number };
  /** Lock-owner timings (the timing rule: verify + request < the server's release time). */
  readonly lock: {
    readonly verifyIntervalMs: number;
    readonly requestTimeoutMs: number;
    readonly connectTimeoutMs: number;
    readonly serverKeepAlive: ServerKeepAlive;
  };
  /** stopDrainTimeoutMs of the coordinators (agents may need longer: see finishMs). */
  readonly stopDrainTimeoutMs: number;
}

/** `application_name` prefix of every session of a run (lock sessions, writer pools). */
export function appPrefix(runId: string): string {
  return `chaos-${runId}-`;
}

/** The url of database `name` on the server of `url`. */
export function databaseUrl(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** What a node prints on stdout (one JSON object per line). */
export type ChaosNodeEvent =
  | { readonly type: 'ready'; readonly node: string; readonly pid: number }
  | { readonly type: 'run-start'; readonly key: string; readonly at: number }
  | { readonly type: 'run-end'; readonly key: string; readonly at: number }
  /** A lock owner of the node marked locks lost (not released): connection lost, verification failed or timed out. */
  | { readonly type: 'lost'; readonly reason: string; readonly at: number }
  | {
      readonly type: 'stats';
      readonly writes: number;
      readonly refused: number;
      readonly errors: number;
      readonly grants: number;
      readonly owned: number;
      readonly finishing: number;
      readonly detail?: string;
    };
