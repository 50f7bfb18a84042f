/** A fenced code block of a Markdown file. */
export interface MarkdownBlock {
  /** The info string's first word (`ts`, `sh`, ...), lower-cased; `''` when none. */
  readonly lang: string;
  readonly code: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /**
   * The attributes of a `<!-- docs-test: run key="value" ... -->` comment on the line just above
   * the fence (`{}` for a bare `<!-- docs-test: run -->`); `undefined` when the block is not marked.
   */
  readonly run?: Readonly<Record<string, string>>;
}

const MARKER = /^<!--\s*docs-test:\s*run\b(.*?)-->\s*$/;

/** Every fenced block of `markdown`, in order, with its `docs-test: run` marker if any. */
export function markdownBlocks(markdown: string): MarkdownBlock[] {
  const lines = markdown.split('\n');
  const blocks: MarkdownBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```\s*([\w-]*)/.exec(lines[i]!);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    const marker = start > 0 ? MARKER.exec(lines[start - 1]!.trim()) : null;
    const run = marker === null ? undefined : Object.fromEntries([...marker[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    blocks.push({ lang: open[1]!.toLowerCase(), code: `${body.join('\n')}\n`, line: start + 1, ...(run === undefined ? {} : { run }) });
  }
  return blocks;
}

/** A shell command found in a Markdown file. */
export interface MarkdownCommand {
  /** The command as written (a block's line without its trailing `# comment`, or an inline code span). */
  readonly command: string;
  readonly line: number;
  readonly source: 'block' | 'inline';
}

const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console']);
const COMMAND_START = /^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*(?:pnpm|npm|npx|node|tsx)\s/;

/**
 * Every shell command of `markdown`: each non-empty line of a `sh`/`bash`/`shell` block (without
 * its trailing ` # comment`), and each inline code span that starts like a command (`pnpm ...`,
 * `npm ...`, `node ...`, `npx ...`, `tsx ...`, optionally after `NAME=value` assignments).
 */
export function markdownCommands(markdown: string): MarkdownCommand[] {
  const commands: MarkdownCommand[] = [];
  const fenced = new Set<number>();
  for (const block of markdownBlocks(markdown)) {
    const lines = block.code.split('\n');
    for (let i = 0; i <= lines.length; i++) fenced.add(block.line + i);
    if (!SHELL_LANGS.has(block.lang)) continue;
    let pending = '';
    let startLine = 0;
    lines.forEach((text, offset) => {
      const part = stripComment(text).trim();
      if (pending === '') startLine = block.line + 1 + offset;
      if (part.endsWith('\\')) {
        pending += `${part.slice(0, -1).trim()} `; // a continued line: one command
        return;
      }
      const command = `${pending}${part}`.trim();
      pending = '';
      if (command !== '') commands.push({ command, line: startLine, source: 'block' });
    });
  }
  markdown.split('\n').forEach((text, index) => {
    if (fenced.has(index + 1)) return;
    for (const match of text.matchAll(/`([^`]+)`/g)) {
      const span = match[1]!.trim();
      if (COMMAND_START.test(`${span} `)) commands.push({ command: span, line: index + 1, source: 'inline' });
    }
  });
  return commands;
}

/** Drops a trailing ` # comment` outside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}
