/** Command-line options of the chaos run. */
export interface ChaosOptions {
  readonly nodes: number;
  readonly shards: number;
  /** Length of the fault phase in seconds. */
  readonly seconds: number;
  readonly short: boolean;
  readonly seed: number;
  /** Mean time between faults (ms). */
  readonly faultEveryMs: number;
  /** How often each agent writes a ledger row (ms). */
  readonly writeMs: number;
  /** Keep the run's tables for inspection. */
  readonly keep: boolean;
  readonly verbose: boolean;
  /** Only these fault kinds (default: all). */
  readonly only: readonly string[] | undefined;
  /** Tenant databases of the multi-tenanted system at the start (one more is added, one removed, mid-run). */
  readonly tenants: number;
  readonly tenantShards: number;
  /** Port of the run's private PostgreSQL cluster. */
  readonly pgPort: number;
  /**
   * The multi-tenanted system keeps every tenant's locks in ONE lock home (the control database,
   * `createHomeLock`: one lock connection and one watcher per node) instead of one lock connection
   * per tenant database.
   */
  readonly lockHome: boolean;
}

const HELP = `pnpm chaos [-- options]
  --nodes N        node processes (default 4)
  --shards M       shards (default 50)
  --seconds T      fault phase length (default 120; --short: 60)
  --short          CI form: 60 s of faults (one vanished host, one database restart), ~2 min in all
  --tenants K      tenant databases at the start (default 4; one added, one removed mid-run)
  --tenant-shards S  shards per tenant (default 3)
  --pg-port P      port of the run's private PostgreSQL cluster (default 15440)
  --lock-home      the tenants' locks in one lock home (the control database) instead of one lock connection per tenant
  --seed S         random seed (default: random, printed)
  --fault-ms F     mean time between faults (default 500)
  --write-ms W     ledger write interval per agent (default 100)
  --keep           keep the run's tables
  --verbose        print node stderr
  --only k1,k2     inject only these faults (kill, pause, pause-terminate, terminate, cut, stall, drain, vanish, restart)`;

/** Parses argv (after the script name); exits with help on `--help` or a bad value. */
export function parseOptions(argv: readonly string[]): ChaosOptions {
  const args = argv.filter((arg) => arg !== '--');
  const flag = (name: string): boolean => args.includes(`--${name}`);
  const value = (name: string, fallback: number, min: number): number => {
    const index = args.indexOf(`--${name}`);
    if (index < 0) return fallback;
    const parsed = Number(args[index + 1]);
    if (!Number.isInteger(parsed) || parsed < min) {
      console.error(`--${name} needs an integer >= ${min}\n${HELP}`);
      process.exit(2);
    }
    return parsed;
  };
  if (flag('help')) {
    console.log(HELP);
    process.exit(0);
  }
  const short = flag('short');
  return {
    nodes: value('nodes', 4, 2),
    shards: value('shards', 50, 1),
    seconds: value('seconds', short ? 60 : 120, 1),
    short,
    seed: value('seed', Math.floor(Math.random() * 2 ** 31), 0),
    faultEveryMs: value('fault-ms', 500, 50),
    writeMs: value('write-ms', 100, 5),
    keep: flag('keep'),
    verbose: flag('verbose'),
    only: args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '').split(',') : undefined,
    tenants: value('tenants', 4, 2),
    tenantShards: value('tenant-shards', 3, 1),
    pgPort: value('pg-port', 15_440, 1024),
    lockHome: flag('lock-home'),
  };
}

/** mulberry32: a small seeded PRNG in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
