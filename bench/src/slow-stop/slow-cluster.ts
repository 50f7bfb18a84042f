import { OwnershipLedger, preciseNow, spawnNode, type NodeHandle } from '@polecat/test-utils';
import { scope, type BenchConfig } from '../configs';
import { waitUntil } from '../ledger-waits';

/** Agents that take uniform 0.5-8 s to return after their abort signal (a projection finishing its batch). */
export const AGENT_RETURN_MS = { min: 500, max: 8000 } as const;
/** Base of the per-node seeds of the agents' return delays (node n gets `SEED + n`): the same drain times every run. */
export const AGENT_RETURN_SEED = 22;
/** No agent started or stopped for this long: the cluster settled (with the balance check, where balancing is on). */
const QUIET_MS = 3000;
/** Past this, waiting for a cluster to settle fails the row (loudly, with the counts). */
const SETTLE_TIMEOUT_MS = 120_000;

/** Node processes of one config on one shard list, sharing a ledger. */
export class SlowCluster {
  readonly ledger = new OwnershipLedger();
  readonly shards: number;
  readonly config: BenchConfig;
  nodes: NodeHandle[] = [];
  readonly #url: string;
  readonly #scope = scope('s');
  #serial = 0;

  constructor(url: string, config: BenchConfig, shards: number) {
    this.#url = url;
    this.config = config;
    this.shards = shards;
  }

  /** Every shard key of the ledger (`main/<identity>`), once each has run. Throws while one never ran. */
  get shardKeys(): string[] {
    const keys = [...new Set(this.ledger.intervals().map((interval) => interval.shard))];
    if (keys.length !== this.shards) throw new Error(`${this.config.name}: ${keys.length} of ${this.shards} shards ever ran`);
    return keys;
  }

  /** Starts one more node process (its ledger records are taken from its first event on). */
  async spawn(): Promise<NodeHandle> {
    this.#serial += 1;
    const { config } = this;
    const node = await spawnNode({
      id: `${this.#scope.prefix}-${config.name[0]}${this.#serial}`,
      databases: [{ id: 'main', url: this.#url }],
      shards: this.shards,
      shardPrefix: this.#scope.prefix,
      daemonLockId: this.#scope.daemonLockId,
      ledger: this.ledger,
      coordinator: config.coordinator,
      lock: config.lock,
      sequentialAttempts: config.sequentialAttempts,
      agentReturnDelayMs: AGENT_RETURN_MS,
      agentReturnSeed: AGENT_RETURN_SEED + this.#serial,
      logLevel: 'error',
      readyTimeoutMs: 60_000,
    });
    this.nodes.push(node);
    return node;
  }

  /** What each node runs now. */
  counts(): Map<string, number> {
    return new Map(this.nodes.map((node) => [node.id, node.ownedShards('main').size]));
  }

  /**
   * Resolves once every shard runs, each node runs its fair share (±1) when the config balances,
   * and no agent started or stopped for {@link QUIET_MS}. Throws after {@link SETTLE_TIMEOUT_MS}.
   */
  async settled(what: string): Promise<void> {
    const balances = this.config.coordinator.balance !== false;
    const low = Math.floor(this.shards / this.nodes.length);
    const check = (): boolean => {
      const counts = [...this.counts().values()];
      if (counts.reduce((sum, n) => sum + n, 0) !== this.shards) return false;
      if (balances && !counts.every((n) => n >= low && n <= low + 1)) return false;
      const last = Math.max(0, ...this.ledger.intervals().map((i) => i.stop ?? i.start));
      return preciseNow() - last >= QUIET_MS;
    };
    try {
      await waitUntil(check, SETTLE_TIMEOUT_MS);
    } catch (error) {
      throw new Error(`${this.config.name} ${what}: not settled within ${SETTLE_TIMEOUT_MS} ms; running ${JSON.stringify(Object.fromEntries(this.counts()))}`, {
        cause: error,
      });
    }
  }

  /**
   * SIGTERM to `node`; resolves once it exited, with the SIGTERM time and how long its
   * `coordinator.stop()` took (to its `stop-draining` line, or `stopped` when everything drained).
   */
  async stopNode(node: NodeHandle): Promise<{ readonly at: number; readonly stopMs: number }> {
    const at = node.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), SETTLE_TIMEOUT_MS)));
    const exit = await Promise.race([node.exited, timeout]).finally(() => clearTimeout(timer));
    if (exit === undefined) throw new Error(`${this.config.name}: ${node.id} did not exit within ${SETTLE_TIMEOUT_MS} ms of SIGTERM`);
    this.nodes = this.nodes.filter((other) => other !== node);
    const returned = node.events.find((event) => event.at >= at && (event.type === 'stop-draining' || event.type === 'stopped'));
    if (returned === undefined) throw new Error(`${this.config.name}: ${node.id} exited (code ${exit.code}) without reporting its stop`);
    return { at, stopMs: returned.at - at };
  }

  /** Kills what is left (the measurements are over). */
  async close(): Promise<void> {
    await Promise.all(
      this.nodes.map((node) => {
        node.kill('SIGKILL');
        return node.exited;
      }),
    );
    this.nodes = [];
  }
}
