import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A running fixture child: its output so far, and its exit. */
export interface Child {
  readonly process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `text` (rejects after `timeoutMs` or if the child exits first). */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `test/fixtures/<name>.ts` with tsx in a child Node process. */
export function spawnFixture(name: string, env: Record<string, string>): Child {
  const file = fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
  // the compat package (previous framework majors) redirects framework imports in children too
  const redirect = process.env.POLECAT_FIXTURE_IMPORT;
  const imports = redirect === undefined || redirect === '' ? [] : ['--import', redirect];
  const child = spawn(process.execPath, [...imports, '--import', 'tsx', file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (text, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child did not print ${text} within ${timeoutMs} ms; stderr:\n${err}`)), timeoutMs);
        const check = (): void => {
          if (out.includes(text)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout!.on('data', check);
        void exited.then(() => {
          clearTimeout(timer);
          if (out.includes(text)) resolve();
          else reject(new Error(`child exited before printing ${text}; stderr:\n${err}`));
        });
        check();
      }),
  };
}
