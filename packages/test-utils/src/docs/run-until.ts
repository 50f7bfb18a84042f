import { spawn } from 'node:child_process';

/** Options of {@link runUntil}. */
export interface RunUntilOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Once stdout contains this text, the process gets SIGTERM (a long-running program's "I work" line). */
  readonly until?: string;
  /** Killed (SIGKILL, whole process group) after this long. Default 120 000 ms. */
  readonly timeoutMs?: number;
  /** Run through `bash -c` (a command line as written in a README). Default: `false`. */
  readonly shell?: boolean;
}

/** How a {@link runUntil} run ended. */
export interface RunUntilResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Whether `until` was seen (and SIGTERM sent). */
  readonly sawUntil: boolean;
  readonly timedOut: boolean;
  readonly ms: number;
}

/**
 * Runs `command` (with `args`, or as a bash command line with `shell: true`) in its own process
 * group, collecting its output; sends SIGTERM to the group once stdout shows `until`, SIGKILL at
 * the timeout. Resolves when the process has exited.
 */
export function runUntil(command: string, args: readonly string[], options: RunUntilOptions): Promise<RunUntilResult> {
  const started = Date.now();
  const [file, argv] = options.shell === true ? ['bash', ['-c', command]] : [command, [...args]];
  const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  let sawUntil = false;
  let timedOut = false;
  const group = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  child.stdout.on('data', (data: Buffer) => {
    stdout += data.toString();
    if (options.until !== undefined && !sawUntil && stdout.includes(options.until)) {
      sawUntil = true;
      group('SIGTERM');
    }
  });
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const timer = setTimeout(() => {
    timedOut = true;
    group('SIGKILL');
  }, options.timeoutMs ?? 120_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, sawUntil, timedOut, ms: Date.now() - started });
    });
  });
}
