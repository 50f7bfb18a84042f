import { fileURLToPath } from 'node:url';
import { startTsxProcess, type TcpProxy, type TsxProcess } from '@polecat/test-utils';
import type { AgentRun, ForcedRelease, FreezeWindow } from './agent-runs';
import type { ChaosNodeConfig, ChaosNodeEvent } from './config';

const NODE_SCRIPT = fileURLToPath(new URL('./node.ts', import.meta.url));

/** Stats summed over the incarnations of one node (an incarnation's last report before it died). */
interface Totals {
  writes: number;
  refused: number;
  errors: number;
  grants: number;
}

/**
 * The parent's handle on one chaos node: its proxy, its current process (respawned after a
 * SIGKILL), and its stats. Runs the node directly under `node --import tsx` through test-utils'
 * `startTsxProcess` (one process, so a SIGKILL/SIGSTOP hits the node itself, not a wrapper).
 */
export class NodeHandle {
  readonly name: string;
  /** `undefined` for a node in its own network namespace (it talks to the server over its own link). */
  readonly proxy: TcpProxy | undefined;
  /** Command prefix (e.g. `ip netns exec <ns>`) or none. */
  readonly #exec: readonly string[];
  /** The agent-side ledger of every incarnation: runs as the agents recorded them. */
  readonly runs: AgentRun[] = [];
  /** SIGSTOP..SIGCONT windows, per pid. */
  readonly freezes: FreezeWindow[] = [];
  /** When the server freed this node's locks by force (terminate, cut, database restart). */
  readonly forcedReleases: ForcedRelease[] = [];
  /** Involuntary losses as the node announced them (`onLockLost`, reason), for diagnostics. */
  readonly losses: { readonly pid: number; readonly at: number; readonly reason: string }[] = [];
  readonly #open = new Map<string, { key: string; start: number; pid: number }>();
  #frozenSince: number | undefined;
  readonly #config: ChaosNodeConfig;
  readonly #verbose: boolean;
  #process: TsxProcess | undefined;
  #current: Totals = { writes: 0, refused: 0, errors: 0, grants: 0 };
  /** Agents running in the current incarnation (its last stats line), for diagnostics. */
  owned = 0;
  /** The coordinator's status line from the last stats event, for diagnostics. */
  detail = '-';
  readonly #past: Totals = { writes: 0, refused: 0, errors: 0, grants: 0 };
  /** Exits we did not cause (not SIGKILL by us, not a clean exit after SIGTERM). */
  unexpectedExits: string[] = [];
  incarnations = 0;
  paused = false;
  busy = false;
  #expectExit = false;

  constructor(name: string, proxy: TcpProxy | undefined, config: ChaosNodeConfig, verbose: boolean, exec: readonly string[] = []) {
    this.name = name;
    this.proxy = proxy;
    this.#exec = exec;
    this.#config = config;
    this.#verbose = verbose;
  }

  get alive(): boolean {
    return this.#process?.alive ?? false;
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  start(): void {
    this.incarnations += 1;
    this.#expectExit = false;
    // `ip netns exec` execs the program: the child's pid is the node's, so signals hit it directly
    const started = startTsxProcess({
      script: NODE_SCRIPT,
      args: [JSON.stringify(this.#config)],
      exec: this.#exec,
      stderrLines: 20,
      onMessage: (message) => this.#receive(message as ChaosNodeEvent, started),
      onStderr: (line) => {
        if (this.#verbose) process.stderr.write(`[${this.name}] ${line}\n`);
      },
    });
    this.#process = started;
    this.#current = { writes: 0, refused: 0, errors: 0, grants: 0 };
    const { child } = started;
    child.on('exit', (code, signal) => {
      // runs still open when the process died ended then (at the SIGKILL we sent, or now)
      const endedAt = this.#killSentAt ?? performance.timeOrigin + performance.now();
      for (const [id, open] of [...this.#open]) if (open.pid === child.pid) this.#closeRun(id, endedAt);
      this.#killSentAt = undefined;
      this.#past.writes += this.#current.writes;
      this.#past.refused += this.#current.refused;
      this.#past.errors += this.#current.errors;
      this.#past.grants += this.#current.grants;
      this.#current = { writes: 0, refused: 0, errors: 0, grants: 0 };
      this.owned = 0;
      // A node's SIGTERM handler always exits with code 0; dying OF the SIGTERM we sent means it came
      // before the handler existed (an incarnation still loading its modules: no coordinator, no lock yet).
      const expected = this.#expectExit && (signal === 'SIGKILL' || code === 0 || signal === 'SIGTERM');
      if (!expected) this.unexpectedExits.push(`${this.name} exited with ${code ?? signal}: ${this.stderrTail()}`);
    });
  }

  /** One protocol line of the incarnation `from` (a late line of a dead incarnation still closes its runs). */
  #receive(event: ChaosNodeEvent, from: TsxProcess): void {
    const pid = from.pid;
    if (event.type === 'run-start' && pid !== undefined) {
      this.#open.set(`${pid}/${event.key}`, { key: event.key, start: event.at, pid });
    } else if (event.type === 'run-end' && pid !== undefined) {
      this.#closeRun(`${pid}/${event.key}`, event.at);
    } else if (event.type === 'lost' && event.reason !== 'released' && pid !== undefined) {
      this.forcedReleases.push({ pid, at: event.at });
      this.losses.push({ pid, at: event.at, reason: event.reason });
    } else if (event.type === 'stats' && from === this.#process) {
      this.#current = { writes: event.writes, refused: event.refused, errors: event.errors, grants: event.grants };
      this.owned = event.owned;
      this.detail = event.detail ?? '-';
    }
  }

  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    const now = performance.timeOrigin + performance.now();
    if (signal === 'SIGCONT' && this.#frozenSince !== undefined && this.pid !== undefined) {
      this.freezes.push({ pid: this.pid, from: this.#frozenSince, to: now });
      this.#frozenSince = undefined;
    }
    if (this.alive) this.#process!.child.kill(signal);
    if (signal === 'SIGSTOP') this.#frozenSince = now;
    this.paused = signal === 'SIGSTOP';
  }

  #killSentAt: number | undefined;

  /** Starts or ends draining the running process (ownership intents): it hands every set over and takes none. */
  drain(draining: boolean): void {
    if (this.alive) this.#process!.send({ cmd: 'drain', draining });
  }

  /** Every fault injected into this node (kind, pid, time), for diagnostics. */
  readonly faultLog: { readonly kind: string; readonly pid: number | undefined; readonly at: number }[] = [];

  /** Notes a fault (diagnostics). */
  noteFault(kind: string): void {
    this.faultLog.push({ kind, pid: this.pid, at: performance.timeOrigin + performance.now() });
  }

  /** Records that the server is about to free this node's locks by force (call just before). */
  forcedRelease(): void {
    if (this.pid !== undefined && this.alive) this.forcedReleases.push({ pid: this.pid, at: performance.timeOrigin + performance.now() });
  }

  /** Agent runs of the current process still running. */
  openRuns(): number {
    const pid = this.pid;
    return [...this.#open.values()].filter((open) => open.pid === pid).length;
  }

  #closeRun(id: string, at: number): void {
    const open = this.#open.get(id);
    if (open === undefined) return;
    this.#open.delete(id);
    this.runs.push({ node: this.name, pid: open.pid, key: open.key, start: open.start, end: at });
  }

  /** Every run, the open ones with `end: undefined`. */
  allRuns(): AgentRun[] {
    return [...this.runs, ...[...this.#open.values()].map((open) => ({ node: this.name, pid: open.pid, key: open.key, start: open.start, end: undefined }))];
  }

  kill(): Promise<void> {
    return this.#end('SIGKILL');
  }

  /** Graceful stop (SIGTERM; SIGKILL after `timeoutMs`). Resolves when the process is gone. */
  stop(timeoutMs = 10_000): Promise<void> {
    return this.#end('SIGTERM', timeoutMs);
  }

  #end(signal: 'SIGKILL' | 'SIGTERM', timeoutMs = 5_000): Promise<void> {
    const child = this.#process?.child;
    if (child === undefined || !this.alive) return Promise.resolve();
    this.#expectExit = true;
    if (this.paused) this.signal('SIGCONT');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.unexpectedExits.push(`${this.name} did not stop within ${timeoutMs} ms`);
        child.kill('SIGKILL');
      }, timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (signal === 'SIGKILL') this.#killSentAt = performance.timeOrigin + performance.now();
      child.kill(signal);
    });
  }

  /** The last lines the current or last incarnation wrote on stderr. */
  stderrTail(): string {
    return (this.#process?.stderrTail() ?? []).slice(-5).join(' | ');
  }

  totals(): Totals {
    return {
      writes: this.#past.writes + this.#current.writes,
      refused: this.#past.refused + this.#current.refused,
      errors: this.#past.errors + this.#current.errors,
      grants: this.#past.grants + this.#current.grants,
    };
  }
}
