import { parseArgs, type ParseArgsConfig } from 'node:util';

/** The machine's PostgreSQL: `POLECAT_TEST_PG`, else `postgres://postgres@127.0.0.1:5432/test`. */
export const MACHINE_POSTGRES = process.env.POLECAT_TEST_PG || 'postgres://postgres@127.0.0.1:5432/test';

/**
 * The example's command line (after `pnpm ... start --`): `--pg [url]` (without a url: the
 * machine's PostgreSQL), `--url <connection string>`, plus `extra` options. An unknown option or a
 * missing value prints one line and exits 1.
 */
export function exampleArgs(usage: string, extra: NonNullable<ParseArgsConfig['options']> = {}): Record<string, string | boolean | undefined> {
  const raw = process.argv.slice(2).filter((arg) => arg !== '--'); // `pnpm start -- --pg` passes the '--' on
  const args = raw.flatMap((arg, i) => (arg === '--pg' && (raw[i + 1] === undefined || raw[i + 1]!.startsWith('--')) ? ['--pg', MACHINE_POSTGRES] : [arg]));
  try {
    return parseArgs({ args, options: { pg: { type: 'string' }, url: { type: 'string' }, ...extra }, strict: true }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\nusage: ${usage}`);
    process.exit(1);
  }
}
