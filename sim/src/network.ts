import type { Random } from './prng';
import type { Scheduler } from './scheduler';

/** How one node's link to the lock server behaves. */
export interface LinkModel {
  /** One-way latency, ms. */
  readonly latencyMs: number;
  /** Extra uniform jitter on top of the latency, ms. */
  readonly jitterMs: number;
  /** Probability that a message's first transmission is lost (delivered after a retransmission timeout). */
  readonly lossRate: number;
}

/** The default link: a same-datacenter PostgreSQL (≈ 0.3 ms round trip, light jitter, no loss). */
export const DEFAULT_LINK: LinkModel = { latencyMs: 0.15, jitterMs: 0.2, lossRate: 0 };

/** Retransmission timeout range of a lost message, ms (Linux's minimum RTO is 200 ms). */
const RTO_MS = [200, 1000] as const;

interface Link {
  model: LinkModel;
  /** Virtual time the current partition started, or undefined. */
  partitionedSince: number | undefined;
  /** Messages sent while partitioned, delivered in order once it heals. */
  readonly held: (() => void)[];
}

/** One connection's ordering state: TCP delivers each direction in order. */
export interface Channel {
  /** The node this connection belongs to. */
  readonly node: string;
  lastUp: number;
  lastDown: number;
}

/**
 * The simulated network between nodes and the lock server: per-link latency, jitter, loss (as a
 * retransmission delay) and partitions (messages held, then delivered in order after the heal, as
 * TCP does while the connection survives). Each message is a timer of its receiver, so a frozen
 * node reads nothing until it resumes.
 */
export class Network {
  readonly #scheduler: Scheduler;
  readonly #random: Random;
  readonly #links = new Map<string, Link>();
  readonly #defaultModel: LinkModel;

  constructor(scheduler: Scheduler, random: Random, defaultModel: LinkModel = DEFAULT_LINK) {
    this.#scheduler = scheduler;
    this.#random = random;
    this.#defaultModel = defaultModel;
  }

  /** A new connection of `node`. */
  channel(node: string): Channel {
    return { node, lastUp: 0, lastDown: 0 };
  }

  /** Replaces `node`'s link model (latency spikes, lossy links). */
  setModel(node: string, model: LinkModel): void {
    this.#link(node).model = model;
  }

  /** Cuts `node` off the server (both directions). */
  partition(node: string): void {
    const link = this.#link(node);
    link.partitionedSince ??= this.#scheduler.now;
  }

  /** Ends `node`'s partition: held messages go out in order. */
  heal(node: string): void {
    const link = this.#link(node);
    if (link.partitionedSince === undefined) return;
    link.partitionedSince = undefined;
    for (const send of link.held.splice(0)) send();
  }

  /** Since when `node` is partitioned, or undefined. */
  partitionedSince(node: string): number | undefined {
    return this.#links.get(node)?.partitionedSince;
  }

  /** Sends from the node to the server: `deliver` runs on the server's clock. */
  up(channel: Channel, deliver: () => void): void {
    this.#send(channel, 'up', 'server', deliver);
  }

  /** Sends from the server to the node: `deliver` runs on the node's clock (held while it is frozen). */
  down(channel: Channel, deliver: () => void): void {
    this.#send(channel, 'down', channel.node, deliver);
  }

  #send(channel: Channel, direction: 'up' | 'down', receiver: string, deliver: () => void): void {
    const link = this.#link(channel.node);
    if (link.partitionedSince !== undefined) {
      link.held.push(() => this.#send(channel, direction, receiver, deliver));
      return;
    }
    const { latencyMs, jitterMs, lossRate } = link.model;
    let delay = latencyMs + this.#random.next() * jitterMs;
    if (lossRate > 0 && this.#random.chance(lossRate)) delay += RTO_MS[0] + this.#random.next() * (RTO_MS[1] - RTO_MS[0]);
    const now = this.#scheduler.now;
    const last = direction === 'up' ? channel.lastUp : channel.lastDown;
    const at = Math.max(now + delay, last);
    if (direction === 'up') channel.lastUp = at;
    else channel.lastDown = at;
    this.#scheduler.schedule(receiver, at - now, deliver);
  }

  #link(node: string): Link {
    let link = this.#links.get(node);
    if (link === undefined) this.#links.set(node, (link = { model: this.#defaultModel, partitionedSince: undefined, held: [] }));
    return link;
  }
}
