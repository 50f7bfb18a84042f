import { SimEpochStore } from './epoch-store';
import { SimLockServer } from './lock-server';
import { Network } from './network';
import { OwnershipLedger } from './ownership-ledger';
import type { Random } from './prng';
import { Scheduler } from './scheduler';
import type { SimWorld } from './sim-node';

/** The parts every run has: virtual time, the network, the lock server, the ledger, the epochs. */
export type WorldCore = Pick<SimWorld, 'scheduler' | 'random' | 'server' | 'ledger' | 'epochs'>;

/** What a scenario adds to the core: shards, databases, settings, agents, tracing. */
export type WorldSpec = Omit<SimWorld, keyof WorldCore>;

/**
 * Builds a world on `random`: a server whose revoked sessions cut their node's runs off (their
 * overlap with the next owner is expected and must be fenced).
 */
export function createWorld(random: Random, spec: (core: WorldCore) => WorldSpec): SimWorld {
  const scheduler = new Scheduler();
  const network = new Network(scheduler, random);
  const ledger = new OwnershipLedger(() => scheduler.elapsed);
  const server = new SimLockServer(scheduler, network, { onLocksRevoked: (node) => ledger.cutOff(node) });
  const core: WorldCore = { scheduler, random, server, ledger, epochs: new SimEpochStore() };
  return { ...core, ...spec(core) };
}
