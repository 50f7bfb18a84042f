import { fileURLToPath } from 'node:url';
import type { OwnershipLedger } from '../ledger';
import { preciseNow, type NodeEvent, type NodeProcessConfig } from './protocol';
import { startTsxProcess, type TsxProcessExit } from './tsx-process';

/** Options of {@link spawnNode}: the node's config plus how to run and observe the process. */
export interface SpawnNodeOptions extends NodeProcessConfig {
  /** Working directory of the child (package specifiers resolve from here unless `resolveFrom`). Default `process.cwd()`. */
  readonly cwd?: string;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra Node flags for this process (e.g. `['--expose-gc']`, so `usage(timeout, true)` measures live memory). */
  readonly nodeArgs?: readonly string[];
  /** Records every agent start/stop of this node (shard key `database/shard`); a kill closes its open intervals at the kill time. */
  readonly ledger?: OwnershipLedger;
  /** Called for every event, in order. */
  readonly onEvent?: (event: NodeEvent, node: NodeHandle) => void;
  /** Called for every stderr line (default: kept, the last 50 lines appear in errors). */
  readonly onStderr?: (line: string) => void;
  /** How long `spawnNode` waits for `ready`. Default 20 000 ms. */
  readonly readyTimeoutMs?: number;
}

/** How a node process ended. `at` is the parent's {@link preciseNow} when it noticed. */
export type NodeExit = TsxProcessExit;

/** The usage sample a node reports on request. */
export type NodeUsage = Extract<NodeEvent, { type: 'usage' }>;

/** A running node process. */
export interface NodeHandle {
  readonly id: string;
  readonly pid: number;
  /** Every event received so far, in order. */
  readonly events: readonly NodeEvent[];
  /** Shards whose agents run on this node now (identities; pass a database id to filter, else all databases). */
  ownedShards(database?: string): ReadonlySet<string>;
  /** Agents running now (from the latest event; works with `agentEvents: false`). */
  running(): number;
  /** Sends a signal (default SIGKILL); resolves the {@link preciseNow} at which it was sent. A SIGKILL closes this node's ledger intervals then. */
  kill(signal?: NodeJS.Signals): number;
  /** Graceful stop (SIGTERM); resolves once the process exited. */
  stop(): Promise<NodeExit>;
  /** Resolves once exactly `count` agents run here (default timeout 15 000 ms). */
  whenOwned(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves with the first event (past or future) matching `predicate` (default timeout 15 000 ms). */
  whenEvent(predicate: (event: NodeEvent) => boolean, timeoutMs?: number): Promise<NodeEvent>;
  /**
   * CPU, memory and round trips of the child, measured now; with `gc` a full garbage collection runs
   * first when the child runs with `--expose-gc` (`nodeArgs`; `collected` says whether it did).
   */
  usage(timeoutMs?: number, gc?: boolean): Promise<NodeUsage>;
  /** Starts (default) or ends draining this node (needs `ownershipIntents: true`); resolves the {@link preciseNow} at which it was sent. */
  drain(draining?: boolean): number;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<NodeExit>;
}

const MAIN = fileURLToPath(new URL('./node-main.ts', import.meta.url));

/**
 * Starts one coordinator node in a child process (`node --import tsx node-main.ts`) and resolves
 * once it reported `ready` (its coordinator started). Rejects, after killing the child, when it
 * exits or stays silent past `readyTimeoutMs`.
 * @example
 * const node = await spawnNode({ id: 'n1', databases: [{ id: 'main', url }], shards: 24, shardPrefix: 'T1', daemonLockId, ledger });
 * await node.whenOwned(24);
 * node.kill('SIGKILL');
 */
export async function spawnNode(options: SpawnNodeOptions): Promise<NodeHandle> {
  const { cwd, env, nodeArgs, ledger, onEvent, onStderr, readyTimeoutMs = 20_000, ...config } = options;
  const stderr: string[] = [];
  const keepStderr = (line: string): void => {
    stderr.push(line);
    if (stderr.length > 50) stderr.shift();
  };
  // handle and onEvent are set below, before the first line can arrive (lines come from I/O callbacks)
  let receive: (event: NodeEvent) => void = () => {};
  const tsxProcess = startTsxProcess({
    script: MAIN,
    args: [JSON.stringify(config)],
    cwd,
    env,
    nodeArgs,
    onMessage: (message) => receive(message as NodeEvent),
    onOtherLine: keepStderr,
    onStderr: (line) => {
      onStderr?.(line);
      keepStderr(line);
    },
  });
  const { child } = tsxProcess;
  const events: NodeEvent[] = [];
  const owned = new Map<string, Set<string>>();
  const waiters = new Set<() => void>();
  let running = 0;
  let exit: NodeExit | undefined;
  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  const exited = tsxProcess.exited.then((ended) => {
    exit = ended;
    if (ledger !== undefined) for (const [database, shards] of owned) for (const shard of shards) ledger.stop(config.id, `${database}/${shard}`, ended.at);
    owned.clear();
    running = 0;
    notify();
    return ended;
  });

  const describe = (): string => `node ${config.id}${stderr.length > 0 ? `; stderr:\n${stderr.join('\n')}` : ''}`;
  const waitFor = <T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const first = check();
      if (first !== undefined) return resolve(first);
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`${what}: timed out after ${timeoutMs} ms (${describe()})`));
      }, timeoutMs);
      const waiter = (): void => {
        const value = check();
        if (value !== undefined) {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(value);
        } else if (exit !== undefined) {
          clearTimeout(timer);
          waiters.delete(waiter);
          reject(new Error(`${what}: the process exited (code ${exit.code}, signal ${exit.signal}) (${describe()})`));
        }
      };
      waiters.add(waiter);
    });

  let usageRequests = 0;
  const handle: NodeHandle = {
    id: config.id,
    pid: child.pid ?? -1,
    events,
    ownedShards(database) {
      if (database !== undefined) return new Set(owned.get(database) ?? []);
      return new Set([...owned.values()].flatMap((shards) => [...shards]));
    },
    running: () => running,
    kill(signal = 'SIGKILL') {
      const at = preciseNow();
      if (signal === 'SIGKILL' && ledger !== undefined && exit === undefined) {
        for (const [database, shards] of owned) for (const shard of shards) ledger.stop(config.id, `${database}/${shard}`, at);
      }
      if (exit === undefined) child.kill(signal);
      return at;
    },
    async stop() {
      if (exit === undefined) child.kill('SIGTERM');
      return exited;
    },
    whenOwned: (count, timeoutMs = 15_000) =>
      waitFor(() => (running === count ? true : undefined), `${config.id} running ${count} agents`, timeoutMs).then(() => undefined),
    whenEvent: (predicate, timeoutMs = 15_000) => waitFor(() => events.find(predicate), `${config.id} event`, timeoutMs),
    drain(draining = true) {
      if (config.ownershipIntents !== true) throw new Error(`${config.id}: drain needs ownershipIntents: true`);
      const at = preciseNow();
      tsxProcess.send({ cmd: 'drain', draining });
      return at;
    },
    async usage(timeoutMs = 5_000, gc = false) {
      usageRequests += 1;
      const requestId = usageRequests;
      tsxProcess.send({ cmd: 'usage', requestId, ...(gc ? { gc } : {}) });
      const event = await waitFor(() => events.find((e) => e.type === 'usage' && e.requestId === requestId), `${config.id} usage`, timeoutMs);
      return event as NodeUsage;
    },
    exited,
  };

  receive = (event) => {
    events.push(event);
    if (event.type === 'agent-started' || event.type === 'agent-stopped') {
      const shards = owned.get(event.database) ?? new Set<string>();
      owned.set(event.database, shards);
      running = event.running;
      if (event.type === 'agent-started') {
        shards.add(event.shard);
        ledger?.start(config.id, `${event.database}/${event.shard}`, event.at);
      } else {
        shards.delete(event.shard);
        ledger?.stop(config.id, `${event.database}/${event.shard}`, event.at);
      }
    } else if (event.type === 'owned') {
      running = event.running;
    }
    onEvent?.(event, handle);
    notify();
  };

  try {
    await waitFor(() => events.find((e) => e.type === 'ready' || e.type === 'error'), `${config.id} ready`, readyTimeoutMs).then((event) => {
      if (event.type === 'error') throw new Error(`${config.id} failed to start: ${event.message}`);
    });
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  return handle;
}
