// The harness side of bench/src/emmett/emmett-node.ts: spawn a node process, follow its lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EmmettNodeConfig } from './emmett-node';

const SCRIPT = fileURLToPath(new URL('./emmett-node.ts', import.meta.url));

/** One JSON line of a node process. */
interface NodeLine {
  readonly type: string;
  readonly at: number;
  readonly shard?: string;
  readonly error?: string;
  readonly cpuMs?: number;
  readonly queries?: number;
}

/** A running node process of the side by side. */
export interface EmmettNode {
  readonly id: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** Shards whose processor runs here now (from `started` / `stopped` lines). */
  readonly owned: Set<string>;
  /** The process's CPU (ms) and statements sent, over time (ms since the epoch), from `cpu` lines (`cpuSampleMs` only). */
  readonly cpu: { at: number; cpuMs: number; queries: number }[];
  alive(): boolean;
}

/** Spawns a node and resolves once it printed `ready` (rejects if it exits first or after 60 s). */
export function spawnEmmettNode(config: EmmettNodeConfig, log: (line: string) => void): Promise<EmmettNode> {
  // POLECAT_NODE_EXEC_ARGV (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) as for the other node processes
  const extra = (process.env.POLECAT_NODE_EXEC_ARGV ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', SCRIPT, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const node: EmmettNode = { id: config.id, child, exited, owned: new Set(), cpu: [], alive: () => child.exitCode === null && child.signalCode === null };
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (text) => {
    stderr.push(text);
    if (stderr.length > 50) stderr.shift();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emmett node ${config.id} not ready within 60 s`)), 60_000);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`emmett node ${config.id} exited before ready: ${stderr.join('\n')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let line: NodeLine;
      try {
        line = JSON.parse(text) as NodeLine;
      } catch {
        return;
      }
      if (line.type === 'ready') {
        clearTimeout(timer);
        resolve(node);
      } else if (line.type === 'started' && line.shard !== undefined) node.owned.add(line.shard);
      else if (line.type === 'stopped' && line.shard !== undefined) node.owned.delete(line.shard);
      else if (line.type === 'cpu' && line.cpuMs !== undefined) node.cpu.push({ at: line.at, cpuMs: line.cpuMs, queries: line.queries ?? Number.NaN });
      else if (line.type === 'error') log(`  ${config.id}: ${line.error ?? ''}`);
    });
  });
}

/** SIGTERM, then wait for the exit (SIGKILL after 10 s). Resolves with how long the exit took (ms; Infinity when killed). */
export async function stopEmmettNode(node: EmmettNode): Promise<number> {
  if (!node.alive()) return 0;
  const started = performance.now();
  let killed = false;
  node.child.kill('SIGCONT');
  node.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    killed = true;
    node.child.kill('SIGKILL');
  }, 10_000);
  await node.exited;
  clearTimeout(timer);
  return killed ? Number.POSITIVE_INFINITY : performance.now() - started;
}
