import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/ops-node.ts', import.meta.url));

/** One line a fixture node printed. */
export interface NodeLine {
  readonly type: 'ready' | 'started' | 'stopped' | 'exit';
  readonly node: string;
  readonly shard?: string;
  readonly at: number;
}

/** Config of one fixture node (see fixtures/ops-node.ts). */
export interface OpsNodeConfig {
  readonly url: string;
  readonly nodeId: string;
  readonly shards: readonly string[];
  readonly schema: string;
  readonly daemonLockId: number;
  readonly pollingMs: number;
}

/** Every agent start and stop of every node, in arrival order. */
export class AgentLedger {
  readonly lines: NodeLine[] = [];

  /** Shard -> nodes running it now (more than one = overlap). */
  running(): Map<string, string[]> {
    const running = new Map<string, string[]>();
    for (const line of this.lines) {
      if (line.shard === undefined) continue;
      const nodes = running.get(line.shard) ?? [];
      if (line.type === 'started') nodes.push(line.node);
      else if (line.type === 'stopped') nodes.splice(nodes.indexOf(line.node), 1);
      if (nodes.length === 0) running.delete(line.shard);
      else running.set(line.shard, nodes);
    }
    return running;
  }

  /** Agent starts of `shard` at or after `since` (wall-clock ms). */
  startsOf(shard: string, since: number): NodeLine[] {
    return this.lines.filter((line) => line.type === 'started' && line.shard === shard && line.at >= since);
  }

  /** Greatest number of nodes that ran one shard at the same time. */
  maxConcurrency(): number {
    const running = new Map<string, number>();
    let max = 0;
    for (const line of this.lines) {
      if (line.shard === undefined) continue;
      const count = (running.get(line.shard) ?? 0) + (line.type === 'started' ? 1 : line.type === 'stopped' ? -1 : 0);
      running.set(line.shard, count);
      max = Math.max(max, count);
    }
    return max;
  }

  /** Closes a SIGKILLed node's open agents (it could not report them). */
  killed(node: string, at: number): void {
    for (const [shard, nodes] of this.running()) if (nodes.includes(node)) this.lines.push({ type: 'stopped', node, shard, at });
  }
}

/** A fixture node process. */
export interface OpsNodeProcess {
  readonly nodeId: string;
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;
  /** SIGKILL; its open agents are closed in the ledger at the kill time. */
  kill(): Promise<void>;
  /** SIGTERM (graceful coordinator stop). */
  stop(): Promise<void>;
}

/** Starts a fixture node (`node --import tsx`) whose agent lines go to `ledger`. */
export function spawnOpsNode(config: OpsNodeConfig, ledger: AgentLedger): OpsNodeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, JSON.stringify(config)], { cwd: packageDir, stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (text) => {
      let line: NodeLine;
      try {
        line = JSON.parse(text) as NodeLine;
      } catch {
        return;
      }
      if (line.type === 'ready') resolve();
      else ledger.lines.push(line);
    });
    void exited.then((code) => reject(new Error(`node ${config.nodeId} exited (${String(code)}) before ready: ${stderr.join('').slice(-2000)}`)));
  });
  ready.catch(() => undefined);
  return {
    nodeId: config.nodeId,
    child,
    ready,
    exited,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const at = Date.now();
      child.kill('SIGKILL');
      await exited;
      ledger.killed(config.nodeId, at);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls `condition` every 50 ms until it holds or `timeoutMs` passes (then throws with `what`). */
export async function waitFor<T>(what: string, condition: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
