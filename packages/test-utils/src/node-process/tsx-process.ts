import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { resolveEsm } from './load-modules';
import { preciseNow } from './protocol';

/** Options of {@link startTsxProcess}. */
export interface TsxProcessOptions {
  /** Absolute path of the TypeScript program, run as `node --import tsx <script> ...args`. */
  readonly script: string;
  /** Its arguments (a node process: its JSON config). */
  readonly args?: readonly string[];
  /** A command prefix that execs the program (e.g. `['ip', 'netns', 'exec', 'ns1']`): the child's pid stays the program's. */
  readonly exec?: readonly string[];
  /** Working directory. Default `process.cwd()`. */
  readonly cwd?: string;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra Node flags for this process (after those of `POLECAT_NODE_EXEC_ARGV`). */
  readonly nodeArgs?: readonly string[];
  /** Called for every stdout line that is JSON, parsed, in order. */
  readonly onMessage: (message: unknown) => void;
  /** Called for every stdout line that is not JSON. */
  readonly onOtherLine?: (line: string) => void;
  /** Called for every stderr line (the last {@link TsxProcessOptions.stderrLines} are kept either way). */
  readonly onStderr?: (line: string) => void;
  /** How many stderr lines {@link TsxProcess.stderrTail} keeps. Default 50. */
  readonly stderrLines?: number;
}

/** How a process ended. `at` is the parent's {@link preciseNow} when it noticed. */
export interface TsxProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

/** A running {@link startTsxProcess} child. */
export interface TsxProcess {
  readonly child: ChildProcess;
  readonly pid: number | undefined;
  /** Whether the process has not exited yet. */
  readonly alive: boolean;
  /** Writes `message` as one JSON line on the child's stdin (ignored once it exited). */
  send(message: unknown): void;
  /** The last stderr lines, oldest first. */
  stderrTail(): readonly string[];
  /** Resolves when the process exited (never rejects); the `exit` listeners of `child` ran before. */
  readonly exited: Promise<TsxProcessExit>;
}

const TSX = resolveEsm('tsx', dirname(fileURLToPath(import.meta.url)));

/**
 * Starts a TypeScript program in a child process under tsx that speaks JSON lines: events on
 * stdout, commands on stdin, free text on stderr. The one process layer of the workspace's node
 * harnesses (`spawnNode` of the tests and bench, the chaos suite's nodes). Extra Node flags for every
 * such process come from `POLECAT_NODE_EXEC_ARGV` (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
export function startTsxProcess(options: TsxProcessOptions): TsxProcess {
  const extra = (process.env.POLECAT_NODE_EXEC_ARGV ?? '').split(/\s+/).filter(Boolean);
  const [command, ...args] = [
    ...(options.exec ?? []),
    process.execPath,
    ...extra,
    ...(options.nodeArgs ?? []),
    '--import',
    TSX,
    options.script,
    ...(options.args ?? []),
  ];
  const child = spawn(command!, args, {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const keep = options.stderrLines ?? 50;
  const stderr: string[] = [];
  let exit: TsxProcessExit | undefined;
  const exited = new Promise<TsxProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal, at: preciseNow() };
      resolve(exit);
    });
  });
  child.stdin!.on('error', () => {});
  createInterface({ input: child.stderr! }).on('line', (line) => {
    options.onStderr?.(line);
    stderr.push(line);
    if (stderr.length > keep) stderr.shift();
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      options.onOtherLine?.(line);
      return;
    }
    options.onMessage(message);
  });
  return {
    child,
    pid: child.pid,
    get alive() {
      return exit === undefined && child.exitCode === null && child.signalCode === null;
    },
    send(message) {
      if (exit === undefined) child.stdin!.write(`${JSON.stringify(message)}\n`);
    },
    stderrTail: () => [...stderr],
    exited,
  };
}
