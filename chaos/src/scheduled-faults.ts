import type { ClusterAdmin } from './infra/cluster-admin';
import type { NetnsHost } from './infra/netns-host';
import type { PrivateCluster } from './infra/private-cluster';
import type { NodeHandle } from './node-handle';

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One vanished-host fault, as measured. */
export interface VanishRecord {
  readonly pid: number;
  readonly cutAt: number;
  /** When the server had dropped every lock session of the node (it freed the locks); `undefined`: never seen. */
  readonly freedAt: number | undefined;
  readonly healedAt: number;
}

/**
 * Vanished host: the netns node's link drops every packet (nothing is reset). Polls the server
 * until it has dropped the node's lock sessions (its keepalive/user timeout gave up: the locks are
 * free), keeps the link cut `holdAfterFreeMs` longer (so the others take over while the node is
 * still unreachable), then heals it. Bounded by `maxMs`.
 */
export async function vanish(node: NodeHandle, netns: NetnsHost, admin: ClusterAdmin, lockApp: string, holdAfterFreeMs: number, maxMs: number): Promise<VanishRecord> {
  const pid = node.pid;
  if (pid === undefined || !node.alive) throw new Error(`${node.name} is not running`);
  node.busy = true;
  try {
    // only a node that runs agents can show the order (agents stopped, then the locks freed)
    for (let waited = 0; node.openRuns() === 0 && waited < 20_000; waited += 100) await sleep(100);
    node.noteFault('vanish');
    await netns.cut();
    const cutAt = now();
    let freedAt: number | undefined;
    while (now() - cutAt < maxMs) {
      await sleep(100);
      // freed = no advisory lock held by any of its sessions (a session cut during its start-up
      // holds none, and keeps the OS keepalive defaults: it may linger, harmlessly)
      const held = await admin
        .query<{ n: string }>(
          "select count(*) as n from pg_locks l join pg_stat_activity a on a.pid = l.pid where l.locktype = 'advisory' and l.granted and a.application_name = $1",
          [lockApp],
        )
        .then((result) => Number(result.rows[0]?.n ?? 0))
        .catch(() => -1);
      if (held === 0) {
        freedAt = now();
        break;
      }
    }
    const holdUntil = (freedAt ?? now()) + holdAfterFreeMs;
    while (now() < holdUntil) await sleep(100);
    await netns.heal();
    return { pid, cutAt, freedAt, healedAt: now() };
  } finally {
    node.busy = false;
  }
}

/** One database restart, as measured. */
export interface RestartRecord {
  readonly startedAt: number;
  /** `pg_ctl restart` returned: the server accepts connections again. */
  readonly upAt: number;
}

/** Restarts the run's private cluster (`pg_ctl restart -m fast`): every session ends. */
export async function restartDatabase(cluster: PrivateCluster, nodes: readonly NodeHandle[]): Promise<RestartRecord> {
  for (const node of nodes) node.forcedRelease();
  const startedAt = now();
  await cluster.restart();
  return { startedAt, upAt: now() };
}
