import { readFileSync } from 'node:fs';
import { runCli } from './program';

/** The package's version: this file is bundled to dist/bin.js, next to ../package.json. */
function packageVersion(): string | undefined {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

const version = packageVersion();
const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  signal: controller.signal,
  ...(version === undefined ? {} : { version }),
});
process.exitCode = code;
