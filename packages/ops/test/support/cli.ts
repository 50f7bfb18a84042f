import { runCli } from '../../src/cli';

/** Runs the CLI in-process; resolves with its exit code and output. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (text) => void (out += text), err: (text) => void (err += text), env: {} });
  return { code, out, err };
}
