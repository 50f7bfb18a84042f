import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Every module `entry` reaches through relative imports, with the bare specifiers each imports. */
function moduleGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (graph.has(file)) return;
    const code = readFileSync(file, 'utf8');
    const specifiers = [...code.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/g)].map((match) => match[1]!);
    graph.set(
      file,
      specifiers.filter((specifier) => !specifier.startsWith('.')),
    );
    for (const specifier of specifiers.filter((s) => s.startsWith('.'))) {
      const base = resolve(dirname(file), specifier);
      const target = [`${base}.ts`, resolve(base, 'index.ts'), base].find((candidate) => existsSync(candidate) && candidate.endsWith('.ts'));
      if (target === undefined) throw new Error(`cannot resolve ${specifier} from ${file}`);
      visit(target);
    }
  };
  visit(entry);
  return graph;
}

describe('@polecat/test-utils entries', () => {
  it('the root entry loads no vitest module, directly or through its own files', () => {
    const graph = moduleGraph(resolve(src, 'index.ts'));
    expect(graph.size).toBeGreaterThan(10);
    const importers = [...graph]
      .filter(([, bare]) => bare.some((specifier) => specifier === 'vitest' || specifier.startsWith('vitest/')))
      .map(([file]) => file);
    expect(importers).toEqual([]);
  });

  it('the vitest entry holds the suite helpers', () => {
    const bare = [...moduleGraph(resolve(src, 'vitest', 'index.ts')).values()].flat();
    expect(bare).toContain('vitest');
  });
});
