import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli';
import { cli } from './support/cli';

describe('polecat: the connection backend is told by its form', () => {
  it.each(['postgress://ops:s3cret@db/app', 'mysql://ops:s3cret@db/app', 'localhost', 'postgresql//ops:s3cret@db/app'])(
    'refuses %s as no connection string, naming the accepted forms and never the password',
    async (connection) => {
      const result = await cli('status', connection);
      expect(result.code).toBe(2);
      expect(result.err).toContain('INVALID_ARGUMENT');
      expect(result.err).toContain('PostgreSQL URL');
      expect(result.err).not.toContain('s3cret');
      expect(result.err).not.toContain('--shards'); // not mistaken for SQL Server
    },
  );

  it('takes a SQL Server connection string as SQL Server (it connects to read the registry)', async () => {
    const result = await cli('status', 'Server=127.0.0.1,1;Database=app;User Id=ops;Password=s3cret;Encrypt=false;Connect Timeout=2');
    expect(result.code).toBe(1);
    expect(result.err).toContain('could not connect to SQL Server');
    expect(result.err).not.toContain('s3cret');
  });

  it('refuses PostgreSQL keyword/value pairs for intents with a pointer to the URL form', async () => {
    const result = await cli('pause', 'Trip', '-c', 'host=db dbname=app user=ops');
    expect(result.code).toBe(2);
    expect(result.err).toContain('UNSUPPORTED_CONNECTION');
    expect(result.err).toContain('postgres://');
  });
});

describe('polecat --version', () => {
  it('prints the version the bin passes and exits 0', async () => {
    let out = '';
    for (const flag of ['--version', '-V']) {
      out = '';
      const code = await runCli([flag], { out: (text) => void (out += text), err: () => undefined, env: {}, version: '1.2.3' });
      expect(code).toBe(0);
      expect(out.trim()).toBe('1.2.3');
    }
  });
});

describe('entries', () => {
  const src = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  /** Bare specifiers reachable from `entry` through relative imports. */
  function packagesReachedFrom(entry: string): Set<string> {
    const seen = new Set<string>();
    const reached = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const match of readFileSync(file, 'utf8').matchAll(/^(?:import|export)(?!\s+type\b)[^'"]*?from\s+'([^']+)'/gm)) {
        const specifier = match[1]!;
        if (specifier.startsWith('.')) visit(`${resolve(dirname(file), specifier)}.ts`);
        else reached.add(specifier);
      }
    };
    visit(resolve(src, entry));
    return reached;
  }

  it('the library entry loads neither commander nor cli-table3; the cli entry does', () => {
    const library = packagesReachedFrom('index.ts');
    expect(library.has('commander')).toBe(false);
    expect(library.has('cli-table3')).toBe(false);
    const command = packagesReachedFrom('cli.ts');
    expect(command.has('commander')).toBe(true);
    expect(command.has('cli-table3')).toBe(true);
  });
});
