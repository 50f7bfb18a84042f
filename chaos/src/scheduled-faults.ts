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
  /**
   * When the server first freed one of the locks the node held at the cut (that lock no longer
   * held by the backend that held it: its session was dropped); `undefined`: never seen. From then
   * on another node may be granted one of its sets: its agents must have stopped before.
   */
  readonly freedAt: number | undefined;
  /** When none of the locks held at the cut was held by its backend any more; `undefined`: never seen. */
  readonly allFreedAt: number | undefined;
  /** The node's lock sessions (backends) holding locks at the cut, and the locks they held. */
  readonly sessions: number;
  readonly locks: number;
  readonly healedAt: number;
}

/** The advisory locks granted to the sessions named `lockApp`, as `pid/database/classid/objid/objsubid`. */
async function heldLocks(admin: ClusterAdmin, lockApp: string): Promise<Set<string> | undefined> {
  try {
    const result = await admin.query<{ lock: string }>(
      "select l.pid || '/' || l.database || '/' || l.classid || '/' || l.objid || '/' || l.objsubid as lock from pg_locks l join pg_stat_activity a on a.pid = l.pid where l.locktype = 'advisory' and l.granted and a.application_name = $1",
      [lockApp],
    );
    return new Set(result.rows.map((row) => row.lock));
  } catch {
    return undefined;
  }
}

/**
 * Vanished host: the netns node's link drops every packet (nothing is reset). Polls the server
 * until it has dropped the node's lock sessions (its keepalive/user timeout gave up: the locks are
 * free), keeps the link cut `holdAfterFreeMs` longer (so the others take over while the node is
 * still unreachable), then heals it. Bounded by `maxMs`.
 */
export async function vanish(
  node: NodeHandle,
  netns: NetnsHost,
  admin: ClusterAdmin,
  lockApp: string,
  holdAfterFreeMs: number,
  maxMs: number,
): Promise<VanishRecord> {
  const pid = node.pid;
  if (pid === undefined || !node.alive) throw new Error(`${node.name} is not running`);
  node.busy = true;
  try {
    // only a node that runs agents can show the order (agents stopped, then the locks freed)
    for (let waited = 0; node.openRuns() === 0 && waited < 20_000; waited += 100) await sleep(100);
    node.noteFault('vanish');
    await netns.cut();
    const cutAt = now();
    // Per lock: what the node held at the cut (it cannot take or release anything after it), then
    // when the first and the last of those went. Each of the node's lock sessions (one per database
    // and coordinator) is timed out by the server's kernel on its own (keepalive, or the user
    // timeout after retransmission back-off when data was in flight), seconds apart; a session cut
    // during its start-up holds none and keeps the OS keepalive defaults: it may linger, harmlessly.
    const atCut = (await heldLocks(admin, lockApp)) ?? new Set<string>();
    const sessions = new Set([...atCut].map((lock) => lock.split('/')[0])).size;
    let freedAt: number | undefined;
    let allFreedAt: number | undefined;
    while (now() - cutAt < maxMs) {
      await sleep(100);
      const held = await heldLocks(admin, lockApp);
      if (held === undefined) continue;
      const remaining = [...atCut].filter((lock) => held.has(lock)).length;
      if (remaining < atCut.size) freedAt ??= now();
      if (remaining === 0) {
        allFreedAt = now();
        break;
      }
    }
    const holdUntil = (allFreedAt ?? now()) + holdAfterFreeMs;
    while (now() < holdUntil) await sleep(100);
    await netns.heal();
    return { pid, cutAt, freedAt, allFreedAt, sessions, locks: atCut.size, healedAt: now() };
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
  for (const node of nodes) {
    node.noteFault('restart');
    node.forcedRelease();
  }
  const startedAt = now();
  await cluster.restart();
  return { startedAt, upAt: now() };
}
