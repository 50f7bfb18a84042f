import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../fixtures/emmett-node.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** One JSON line of the fixture node. */
export interface NodeLine {
  readonly type: string;
  readonly node: string;
  readonly at: number;
  readonly shard?: string;
  readonly epoch?: string;
  readonly reason?: string;
  readonly error?: string;
}

/** A fixture node process (test/fixtures/emmett-node.ts). */
export interface EmmettNode {
  readonly id: string;
  readonly child: ChildProcess;
  readonly lines: NodeLine[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Shards whose agent runs here now (from started/stopped lines). */
  owned(): Set<string>;
  whenLine(predicate: (line: NodeLine) => boolean, timeoutMs?: number): Promise<NodeLine>;
  kill(signal: NodeJS.Signals): number;
  stderr(): string;
}

export async function spawnEmmettNode(id: string, url: string, pollMs = 300): Promise<EmmettNode> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify({ url, id, pollMs })], {
    cwd: PACKAGE_DIR,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: NodeLine[] = [];
  const waiters = new Set<{ predicate: (line: NodeLine) => boolean; resolve: (line: NodeLine) => void }>();
  const errors: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: NodeLine;
    try {
      line = JSON.parse(text) as NodeLine;
    } catch {
      errors.push(text);
      return;
    }
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  createInterface({ input: child.stderr! }).on('line', (text) => {
    errors.push(text);
    if (errors.length > 200) errors.shift();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const node: EmmettNode = {
    id,
    child,
    lines,
    exited,
    owned() {
      const owned = new Set<string>();
      for (const line of lines) {
        if (line.type === 'started' && line.shard !== undefined) owned.add(line.shard);
        if ((line.type === 'stopped' || line.type === 'paused') && line.shard !== undefined) owned.delete(line.shard);
      }
      return owned;
    },
    whenLine(predicate, timeoutMs = 30_000) {
      const past = lines.find(predicate);
      if (past !== undefined) return Promise.resolve(past);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve: (line: NodeLine) => (clearTimeout(timer), resolve(line)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`node ${id}: no matching line within ${timeoutMs} ms; stderr:\n${errors.slice(-30).join('\n')}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    kill(signal) {
      const at = Date.now();
      child.kill(signal);
      return at;
    },
    stderr: () => errors.join('\n'),
  };
  await Promise.race([
    node.whenLine((line) => line.type === 'ready', 30_000),
    exited.then(({ code }) => {
      throw new Error(`node ${id} exited (${code}) before ready:\n${node.stderr()}`);
    }),
  ]);
  return node;
}

/** `url` with `application_name` and a `search_path` of `schema` (then public). */
export function nodeUrl(url: string, schema: string, applicationName: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', applicationName);
  parsed.searchParams.set('options', `-c search_path=${schema},public`);
  return parsed.toString();
}
