import type { SimLockServer } from './lock-server';
import type { OwnershipLedger } from './ownership-ledger';
import type { SimNode } from './sim-node';

/** Whether every shard runs exactly once, on a live node that is not cut off. */
export function allOwned(ledger: OwnershipLedger, shards: readonly string[], live: ReadonlySet<string>): boolean {
  for (const shard of shards) {
    const runs = ledger.runsOf(shard);
    if (runs.length !== 1 || !live.has(runs[0]!.node)) return false;
  }
  return true;
}

/**
 * The checks of a settled cluster (the bound after the last fault has passed): every shard owned
 * once, every held lock on a live session of a running node, each owner's sets locked by it on the
 * server, and shares within one set of each other.
 */
export function checkSettled(ledger: OwnershipLedger, server: SimLockServer, nodes: readonly SimNode[], shards: readonly string[]): void {
  const running = nodes.filter((node) => node.life === 'running');
  const live = new Set(running.map((node) => node.instance));
  for (const shard of shards) {
    const runs = ledger.runsOf(shard);
    if (runs.length !== 1 || !live.has(runs[0]!.node)) {
      ledger.report('unowned', `${shard} runs on [${runs.map((run) => run.node).join(', ')}] after the bound`);
    }
  }
  for (const [key, session] of server.heldLocks()) {
    if (!session.alive || !live.has(session.node)) ledger.report('dead-session-lock', `lock ${key} held by session ${session.id} of ${session.node}`);
  }
  for (const node of running) {
    for (const set of node.coordinator.status().owned) {
      const holder = server.holderOf(String(set.lockId));
      if (holder?.node !== node.instance)
        ledger.report('lock-mismatch', `${node.instance} owns ${set.key} but the server grants it to ${holder?.node ?? 'nobody'}`);
    }
  }
  if (!isBalanced(running)) ledger.report('unbalanced', `owned sets per node ${running.map((node) => node.coordinator.status().owned.length).join('/')}`);
}

/** Whether the nodes' owned set counts are within one of each other. */
export function isBalanced(nodes: readonly SimNode[]): boolean {
  if (nodes.length === 0) return true;
  const counts = nodes.map((node) => node.coordinator.status().owned.length);
  return Math.max(...counts) - Math.min(...counts) <= 1;
}
