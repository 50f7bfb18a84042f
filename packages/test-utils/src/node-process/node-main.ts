/**
 * Entry point of ONE coordinator node process (run it with `node --import tsx node-main.ts '<json>'`;
 * {@link spawnNode} does that for you). It starts a `PostgresAppLock` (a `SqlServerAppLock` for a SQL
 * Server connection string) per database
 * (`application_name` = node id), a SingleTenant or MultiTenanted distributor, a `ProjectionCoordinator`
 * with a function-agent daemon whose agents run until aborted, and reports JSON lines on stdout
 * (see `protocol.ts`). SIGTERM / SIGINT / a `stop` command stop the coordinator gracefully and exit 0.
 */
import { createInterface } from 'node:readline';
import { getHeapSpaceStatistics } from 'node:v8';
import { DrainIntents } from './drain-intents';
import { loadModules, type AgentContextLike, type LockLike } from './load-modules';
import { createLockFactory } from './lock-for-url';
import { NODE_CONFIG_ENV, preciseNow, type NodeCommand, type NodeEvent, type NodeProcessConfig } from './protocol';
import { seededDelay } from './seeded-delay';
import { sequentialAttempts, type AttemptingDistributor } from './sequential-attempts';

type EventBody = NodeEvent extends infer E ? (E extends NodeEvent ? Omit<E, 'at'> : never) : never;

// Lines are stamped when the event happens and written in one burst per turn of the event loop: a
// write per line (synchronous on a pipe) would put the harness's cost between, say, the 200 agent
// starts of one takeover that a benchmark times.
let pending: string[] = [];
function flush(): void {
  if (pending.length === 0) return;
  const lines = pending.join('');
  pending = [];
  process.stdout.write(lines);
}
process.on('exit', flush);
function emit(event: EventBody, at: number = preciseNow()): void {
  if (pending.length === 0) setImmediate(flush);
  pending.push(`${JSON.stringify({ ...event, at })}\n`);
}

function readConfig(): NodeProcessConfig {
  const raw = process.argv[2] ?? process.env[NODE_CONFIG_ENV];
  if (raw === undefined || raw.trim() === '') throw new Error(`node-main: pass the JSON config as argv[2] or ${NODE_CONFIG_ENV}`);
  const config = JSON.parse(raw) as NodeProcessConfig;
  if (typeof config.id !== 'string' || !Array.isArray(config.databases) || config.databases.length === 0) {
    throw new Error('node-main: config needs an id and at least one database');
  }
  return config;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

function stderrLogger(
  id: string,
  level: NodeProcessConfig['logLevel'],
): Record<(typeof LEVELS)[number], (message: string, context?: Record<string, unknown>) => void> {
  const min = level === undefined ? LEVELS.length : LEVELS.indexOf(level);
  const make = (name: (typeof LEVELS)[number]) => (message: string, context?: Record<string, unknown>) => {
    if (LEVELS.indexOf(name) < min) return;
    const detail =
      context === undefined
        ? ''
        : ` ${JSON.stringify(context, (_key, value: unknown) => (value instanceof Error ? value.message : typeof value === 'bigint' ? String(value) : value))}`;
    process.stderr.write(`[${id}] ${name} ${message}${detail}\n`);
  };
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}

async function main(): Promise<void> {
  const config = readConfig();
  const modules = await loadModules(config.modules, config.resolveFrom ?? process.cwd());
  const { shardName, SingleTenantProjectionDistributor, MultiTenantedProjectionDistributor } = modules.distributors;
  const logger = stderrLogger(config.id, config.logLevel);
  const prefix = config.shardPrefix ?? 'S';
  const names = typeof config.shards === 'number' ? Array.from({ length: config.shards }, (_, i) => `${prefix}${i}`) : config.shards;
  const shards = names.map((name) => shardName(name));
  const urls = new Map(config.databases.map((db) => [db.id, db.url]));
  const locks: LockLike[] = [];
  let verifications = 0;
  const lockFor = await createLockFactory([...urls.values(), config.lockHomeUrl], modules.appLockPostgres, config.resolveFrom ?? process.cwd());
  const createLock = (database: { readonly id: string }): LockLike => {
    const url = urls.get(database.id);
    if (url === undefined) throw new Error(`unknown database ${database.id}`);
    return track(lockFor(url, { applicationName: config.id, logger, ...config.lock }));
  };
  /** Counts the lock's round trips, and its verification round trips apart (owner cost, so a benchmark can tell them from standby polling). */
  const track = (lock: LockLike): LockLike => {
    const verify = lock.verifyLocks?.bind(lock);
    if (verify !== undefined) {
      lock.verifyLocks = (...args: unknown[]) => {
        if ((lock.heldLocks?.().length ?? 0) > 0) verifications += 1;
        return verify(...args);
      };
    }
    locks.push(lock);
    return lock;
  };
  const homeUrl = config.lockHomeUrl;
  const createHomeLock = (): LockLike => {
    return track(lockFor(homeUrl!, { applicationName: config.id, logger, ...config.lock }));
  };
  const lockHost = config.lockHost ?? (homeUrl === undefined ? undefined : 'lock-home');
  const kind = config.distributor ?? (config.databases.length > 1 ? 'multi-tenanted' : 'single-tenant');
  const distributorOptions = {
    databases: config.databases.map((db) => ({ id: db.id, schema: db.schema ?? 'public' })),
    shards,
    createLock,
    logger,
    ...(config.daemonLockId === undefined ? {} : { daemonLockId: config.daemonLockId }),
    ...(lockHost === undefined ? {} : { lockHost }),
    ...(homeUrl === undefined ? {} : { createHomeLock }),
    ...(config.watchMembers === undefined ? {} : { watchMembers: config.watchMembers }),
    ...(kind === 'multi-tenanted' && config.storeName !== undefined ? { storeName: config.storeName } : {}),
  };
  const plain =
    kind === 'multi-tenanted' ? new MultiTenantedProjectionDistributor(distributorOptions) : new SingleTenantProjectionDistributor(distributorOptions);
  const distributor = config.sequentialAttempts === true ? sequentialAttempts(plain as AttemptingDistributor<{ readonly key: string }, unknown>) : plain;

  const agentEvents = config.agentEvents ?? true;
  let running = 0;
  let ownedScheduled = false;
  let lastOwned = '';
  const coordinatorRef: { current?: { status(): { readonly owned: readonly unknown[] } } } = {};
  // `sets` from the cycle event when there is one: a full status() per cycle costs ms at 10 000 shards.
  const emitOwned = (known?: number): void => {
    const sets = known ?? coordinatorRef.current?.status().owned.length ?? 0;
    const key = `${running}/${sets}`;
    if (key === lastOwned) return;
    lastOwned = key;
    emit({ type: 'owned', running, sets });
  };
  const scheduleOwned = (): void => {
    if (ownedScheduled) return;
    ownedScheduled = true;
    setImmediate(() => {
      ownedScheduled = false;
      emitOwned();
    });
  };
  // seeded return delays: per shard, its position and how many times it stopped here (only built when used)
  const shardIndex = config.agentReturnSeed === undefined ? undefined : new Map(shards.map((shard, index) => [shard.identity, index]));
  const stopCounts = new Map<string, number>();
  // An agent keeps one promise and one abort listener while it runs, and no NAMED closure of its
  // own: tsx compiles with `keepNames`, which gives each named closure a `name` property in
  // dictionary mode (about 250 B; 5 MB at 10 000 shards, counted in the bench's owner RSS).
  const agentStopped = ({ signal, shard, database }: AgentContextLike, resolve: () => void): void => {
    const at = preciseNow();
    running -= 1;
    const reason = signal.reason instanceof Error ? `${signal.reason.name}: ${signal.reason.message}` : String(signal.reason);
    if (agentEvents) emit({ type: 'agent-stopped', shard: shard.identity, database: database.id, running, reason }, at);
    scheduleOwned();
    resolve();
  };
  // a slow agent finishes its batch after the abort; the stop stamp is its return
  const agentAborted = (context: AgentContextLike, resolve: () => void): void => {
    const delay = config.agentReturnDelayMs;
    if (delay === undefined) return agentStopped(context, resolve);
    const identity = context.shard.identity;
    const seed = config.agentReturnSeed;
    const stops = (stopCounts.get(identity) ?? 0) + 1;
    stopCounts.set(identity, stops);
    const ms =
      seed === undefined ? delay.min + Math.random() * Math.max(0, delay.max - delay.min) : seededDelay(delay, seed, shardIndex?.get(identity) ?? -1, stops);
    setTimeout(() => agentStopped(context, resolve), ms);
  };
  const agent = (context: AgentContextLike): Promise<void> => {
    running += 1;
    if (agentEvents) emit({ type: 'agent-started', shard: context.shard.identity, database: context.database.id, running });
    scheduleOwned();
    return new Promise<void>((resolve) => {
      if (context.signal.aborted) agentAborted(context, resolve);
      else context.signal.addEventListener('abort', () => agentAborted(context, resolve), { once: true });
    });
  };

  const ownershipIntents = new DrainIntents(); // steered by `drain` commands (see NodeCommand)
  const coordinator = new modules.coordinator.ProjectionCoordinator({
    mode: 'HotCold',
    distributor,
    daemonFor: modules.coordinator.createFunctionDaemonFactory(() => agent),
    logger,
    ...(config.ownershipIntents === true ? { ownershipIntents } : {}),
    ...(config.coordinator === undefined ? {} : { settings: config.coordinator }),
  });
  coordinatorRef.current = coordinator;
  const roundTrips = (): number => locks.reduce((sum, lock) => sum + lock.stats().roundTrips, 0);
  // batched lock requests (attempt, probe) the distributor sent: a lock home's request is reported
  // once per database it served, all in one synchronous burst, so a burst counts once
  let lockRequests = 0;
  const trace = process.env.POLECAT_NODE_TRACE === '1';
  const burst = new Set<string>();
  coordinator.on('lockRoundTrip', (event) => {
    const home = (event as { lockHost?: unknown }).lockHost;
    if (typeof home !== 'string') {
      lockRequests += 1;
      return;
    }
    const key = `${home}/${String((event as { operation?: unknown }).operation)}`;
    if (burst.has(key)) return;
    if (burst.size === 0) queueMicrotask(() => burst.clear());
    burst.add(key);
    lockRequests += 1;
    if (trace)
      emit({ type: 'trace', what: String((event as { operation?: unknown }).operation), durationMs: Number((event as { durationMs?: unknown }).durationMs) });
  });
  if (trace) coordinator.on('memberLeft', () => emit({ type: 'trace', what: 'member-left' }));
  coordinator.on('takeover', (event) => {
    const { set, cause, reason } = event as { set: { key: string; names: readonly { identity: string }[] }; cause: string; reason?: string };
    emit({ type: 'takeover', set: set.key, shards: set.names.map((name) => name.identity), cause, ...(reason === undefined ? {} : { reason }) });
  });
  coordinator.on('lockLost', (event) => {
    const error = event.error as { reason?: unknown } | undefined;
    emit({ type: 'lock-lost', sets: 1, reason: String(error?.reason ?? 'unknown') });
  });
  coordinator.on('cycle', (event) => {
    if (config.cycleEvents === true) {
      emit({
        type: 'cycle',
        durationMs: Number(event.durationMs),
        owned: Number(event.owned),
        attempted: Number(event.attempted),
        granted: Number(event.granted),
        roundTrips: roundTrips(),
        lockRequests,
      });
    }
    emitOwned(Number(event.owned));
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      try {
        const result = await coordinator.stop();
        if (result !== undefined && !result.drained) {
          emit({ type: 'stop-draining', sets: result.draining.map((set) => set.key) });
          await coordinator.whenSettled(); // their locks stay held until the agents returned
        }
      } catch (error) {
        emit({ type: 'error', message: `stop failed: ${error instanceof Error ? error.message : String(error)}` });
      }
      emitOwned();
      emit({ type: 'stopped' });
      process.exit(0);
    })();
    return stopping;
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());

  // stdin is the parent's pipe: EOF means the parent is gone; an orphan must not keep its locks.
  const commands = createInterface({ input: process.stdin });
  commands.on('close', () => void stop());
  commands.on('line', (line) => {
    let command: NodeCommand;
    try {
      command = JSON.parse(line) as NodeCommand;
    } catch {
      return;
    }
    if (command.cmd === 'stop') void stop();
    else if (command.cmd === 'drain') ownershipIntents.set(command.draining);
    else if (command.cmd === 'usage') {
      const gc = (globalThis as { gc?: () => void }).gc;
      const collected = command.gc === true && gc !== undefined;
      if (collected) gc();
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size;
      emit({
        type: 'usage',
        requestId: command.requestId,
        cpuUserMicros: cpu.user,
        cpuSystemMicros: cpu.system,
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        external: memory.external,
        arrayBuffers: memory.arrayBuffers,
        ...(newSpace === undefined ? {} : { newSpace }),
        collected,
        roundTrips: roundTrips(),
        verifications,
      });
    }
  });

  await coordinator.start();
  emit({ type: 'ready', id: config.id, pid: process.pid });
}

main().catch((error: unknown) => {
  emit({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
