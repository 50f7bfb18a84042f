import { appPrefix } from './config';
import type { ClusterAdmin } from './infra/cluster-admin';
import type { NodeHandle } from './node-handle';

/**
 * The faults injected at random into the proxied nodes. Two more run on a schedule (see
 * `scheduled-faults.ts`): `vanish` (the netns node's link drops every packet) and `restart` (the
 * run's private PostgreSQL cluster is restarted).
 */
export const FAULT_KINDS = ['kill', 'pause', 'pause-terminate', 'terminate', 'cut', 'stall', 'drain'] as const;
/** One of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];

const WEIGHTS: Record<FaultKind, number> = { kill: 3, pause: 1, 'pause-terminate': 2, terminate: 3, cut: 2, stall: 2, drain: 1 };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Picks a fault kind by weight. */
export function pickFault(random: () => number, only?: readonly string[]): FaultKind {
  const kinds = FAULT_KINDS.filter((kind) => only === undefined || only.includes(kind));
  const total = kinds.reduce((sum, kind) => sum + WEIGHTS[kind], 0);
  let roll = random() * total;
  for (const kind of kinds) {
    roll -= WEIGHTS[kind];
    if (roll < 0) return kind;
  }
  return 'kill';
}

/**
 * Injects one fault into `node` and resolves when it is over (the node is running again or
 * resumed). `node.busy` is set meanwhile so faults do not overlap on one node.
 */
export async function injectFault(kind: FaultKind, node: NodeHandle, admin: ClusterAdmin, runId: string, random: () => number): Promise<void> {
  const lockApp = `${appPrefix(runId)}${node.name}`;
  const between = (min: number, max: number): number => Math.round(min + random() * (max - min));
  const proxy = node.proxy;
  if (proxy === undefined) throw new Error(`${node.name} has no proxy: random faults are for proxied nodes`);
  node.busy = true;
  node.noteFault(kind);
  try {
    switch (kind) {
      case 'kill':
        await node.kill();
        await sleep(between(200, 1000));
        node.start();
        break;
      case 'pause': // a frozen process: its sockets stay open, so its locks stay held until SIGCONT
        node.signal('SIGSTOP');
        await sleep(between(300, 1500));
        node.signal('SIGCONT');
        break;
      case 'pause-terminate': // frozen, and the server drops its lock session: others take over; on SIGCONT its writes must be refused
        node.signal('SIGSTOP');
        await sleep(100);
        node.forcedRelease();
        await admin.terminate(lockApp);
        await sleep(between(800, 2000));
        node.signal('SIGCONT');
        break;
      case 'terminate': // server-side pg_terminate_backend of the lock session
        node.forcedRelease();
        await admin.terminate(lockApp);
        break;
      case 'cut': // TCP reset of every connection of the node (lock and writers)
        node.forcedRelease();
        proxy.cutAll();
        break;
      case 'stall': // a partition: nothing flows; longer than requestTimeoutMs (2 s) makes the node drop its session
        proxy.stall();
        await sleep(between(500, 3500));
        proxy.resume();
        break;
      case 'drain': // an operator drains the node (ownership intents): it leaves the membership and hands every set over while its agents finish their batches
        node.drain(true);
        await sleep(between(2000, 6000));
        node.drain(false);
        break;
    }
  } finally {
    node.busy = false;
  }
}
