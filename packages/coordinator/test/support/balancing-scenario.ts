import type { AppLock } from '@polecat/app-lock';
import type { OwnershipLedger } from '@polecat/test-utils';
import { expect } from 'vitest';
import type { CoordinatorSettingsInput } from '../../src/coordinator-settings';
import { runnersByShard } from './ledger-checks';
import { createInProcessNode, eventually, randomScope, shardNames, type InProcessNode, type NodeDatabase } from './in-process-node';

/** What the even-load scenario needs from a backend. */
export interface BalancingBackend {
  readonly database: NodeDatabase;
  readonly ledger: OwnershipLedger;
  readonly settings: CoordinatorSettingsInput;
  readonly timeoutMs: number;
  createLock(database: NodeDatabase, node: string): AppLock;
  /** Ends `node`'s lock session on the server, as if its process died (the node is already paused). */
  killSession(node: InProcessNode): Promise<void>;
  /** Registers nodes for clean-up. */
  track(node: InProcessNode): void;
}

export interface BalancingResult {
  readonly nodes: readonly InProcessNode[];
  /** Lock round trips per cycle per node at steady state (8/8/8), measured over ~1 s. */
  readonly roundTripsPerCycle: readonly number[];
}

const owned = (node: InProcessNode): number => node.coordinator.status().owned.length;
const spread = (nodes: readonly InProcessNode[]): string => nodes.map((node) => `${owned(node)}/${node.running().size}`).join(' ');

/**
 * 3 nodes started one after another over 24 shards end with 8/8/8 (each start rebalances the
 * others through graceful hand-overs); the one killed leaves 12/12; no shard ever runs on two
 * nodes at once (ledger of agent runs).
 */
export async function runBalancingScenario(backend: BalancingBackend): Promise<BalancingResult> {
  const { daemonLockId, prefix } = randomScope();
  const shards = shardNames(prefix, 24);
  const make = (suffix: string): InProcessNode => {
    const node = createInProcessNode({
      id: `${prefix}-${suffix}`,
      databases: [backend.database],
      shards,
      daemonLockId,
      ledger: backend.ledger,
      settings: { ...backend.settings, releaseLocksOnPause: false },
      createLock: (database, id) => backend.createLock(database, id),
    });
    backend.track(node);
    return node;
  };
  const settled = (nodes: readonly InProcessNode[], each: number) => (): boolean => {
    const runners = runnersByShard(backend.ledger);
    return (
      nodes.every((node) => owned(node) === each && node.running().size === each) && runners.size === 24 && [...runners.values()].every((r) => r.length === 1)
    );
  };
  const wait = (nodes: readonly InProcessNode[], each: number) =>
    eventually(settled(nodes, each), `${nodes.length} node(s) with ${each} sets each (now ${spread(nodes)})`, backend.timeoutMs);

  const a = make('a');
  await a.coordinator.start();
  await wait([a], 24);
  const b = make('b');
  await b.coordinator.start();
  await wait([a, b], 12);
  const c = make('c');
  await c.coordinator.start();
  await wait([a, b, c], 8);

  // steady state: round trips per cycle (verification disabled by the backend's lock options)
  const before = [a, b, c].map((node) => ({
    trips: node.locks.reduce((sum, lock) => sum + lock.stats().roundTrips, 0),
    cycles: node.coordinator.status().cycles,
  }));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const roundTripsPerCycle = [a, b, c].map((node, i) => {
    const trips = node.locks.reduce((sum, lock) => sum + lock.stats().roundTrips, 0) - before[i]!.trips;
    const cycles = node.coordinator.status().cycles - before[i]!.cycles;
    return cycles === 0 ? 0 : trips / cycles;
  });
  expect(settled([a, b, c], 8)()).toBe(true); // stayed balanced: no ping-pong

  await c.coordinator.pause(); // frozen with its locks (releaseLocksOnPause: false) ...
  await backend.killSession(c); // ... then its session dies: member slot and set locks go together
  await wait([a, b], 12);
  expect(backend.ledger.findOverlaps()).toEqual([]);
  return { nodes: [a, b, c], roundTripsPerCycle };
}
