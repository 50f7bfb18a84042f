/** Terminal output: a table redrawn in place on a TTY, plain periodic lines otherwise. */
export interface View {
  readonly title: string;
  readonly elapsedMs: number;
  readonly shards: readonly { readonly name: string; readonly owner?: string; readonly ticks: number }[];
  readonly nodes: readonly { readonly name: string; readonly state: string; readonly owned: number }[];
  readonly events: readonly string[];
}

const tty = process.stdout.isTTY === true;
const COLORS = [36, 33, 35, 32, 34, 31];
const paint = (text: string, code: number): string => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const colorOf = (node: string | undefined): number => (node === undefined ? 90 : COLORS[(Number(node.replace(/\D/g, '')) - 1) % COLORS.length]!);

/** Lines of the table apart from the events: title, header, one per shard, nodes, "EVENTS". */
const FIXED_LINES = 4;
/** The table never uses fewer event lines than this, nor more than {@link MAX_EVENTS}. */
const MIN_EVENTS = 2;
const MAX_EVENTS = 6;

let drawn = 0;
let lastPlain = -1;

/**
 * `line` cut to `width` visible columns (colour codes kept and closed). A line never wraps, so
 * moving the cursor up by the number of lines drawn always lands on the table's first line.
 */
function fit(line: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\x1b') {
      const end = line.indexOf('m', i);
      out += line.slice(i, end + 1);
      i = end;
      continue;
    }
    if (visible === width) return `${out}\x1b[0m`;
    out += line[i];
    visible++;
  }
  return out;
}

/** The table for a terminal of `rows` x `columns`: at most `rows - 1` lines of at most `columns - 1` characters. */
export function tableLines(view: View, size: { readonly rows: number; readonly columns: number }): string[] {
  const eventRows = Math.max(MIN_EVENTS, Math.min(MAX_EVENTS, size.rows - 1 - FIXED_LINES - view.shards.length));
  const out = [`${paint(view.title, 1)}   t = ${(view.elapsedMs / 1000).toFixed(1)} s`, paint(`${'SHARD'.padEnd(12)}${'OWNER'.padEnd(10)}TICKS`, 2)];
  for (const shard of view.shards) {
    const bar = '▇'.repeat(Math.min(30, Math.floor(shard.ticks / 4)));
    out.push(`${shard.name.padEnd(12)}${paint((shard.owner ?? '—').padEnd(10), colorOf(shard.owner))}${paint(bar, colorOf(shard.owner))} ${shard.ticks}`);
  }
  out.push(view.nodes.map((node) => paint(`${node.name} ${node.state === 'running' ? `● ${node.owned}` : `✖ ${node.state}`}`, colorOf(node.name))).join('   '));
  out.push(paint('EVENTS', 2));
  const shown = view.events.slice(-eventRows);
  for (let i = 0; i < eventRows; i++) out.push(shown[i] === undefined ? '' : `  ${shown[i]}`);
  return out.slice(0, Math.max(1, size.rows - 1)).map((line) => fit(line, Math.max(20, size.columns - 1)));
}

/** Draws the view: in place on a TTY, one summary line per second otherwise. */
export function render(view: View, final = false): void {
  if (tty) {
    const text = tableLines(view, { rows: process.stdout.rows || 24, columns: process.stdout.columns || 80 });
    // up to the table's first line, then redraw over it and clear what a taller earlier table left
    const up = drawn > 0 ? `\x1b[${drawn}A\r` : '';
    process.stdout.write(`${up}${text.map((line) => `${line}\x1b[K`).join('\n')}\n\x1b[J`);
    drawn = text.length;
    return;
  }
  const second = Math.floor(view.elapsedMs / 1000);
  if (!final && second === lastPlain) return;
  lastPlain = second;
  const nodes = view.nodes.map((node) => `${node.name}:${node.state === 'running' ? node.owned : node.state}`).join(' ');
  console.log(`t=${(view.elapsedMs / 1000).toFixed(1)}s  ${nodes}  unowned:${view.shards.filter((s) => s.owner === undefined).length}`);
  if (final) for (const line of tableLines(view, { rows: 40, columns: 200 })) console.log(line);
}

/** Prints an event line at once when not on a TTY (on a TTY it shows in the table). */
export function announce(event: string): void {
  if (!tty) console.log(`  ${event}`);
}
