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

let drawn = 0;
let lastPlain = -1;

function lines(view: View): string[] {
  const out = [`${paint(view.title, 1)}   t = ${(view.elapsedMs / 1000).toFixed(1)} s`, '', `${'SHARD'.padEnd(12)}${'OWNER'.padEnd(10)}TICKS`];
  for (const shard of view.shards) {
    const bar = '▇'.repeat(Math.min(30, Math.floor(shard.ticks / 4)));
    out.push(`${shard.name.padEnd(12)}${paint((shard.owner ?? '—').padEnd(10), colorOf(shard.owner))}${paint(bar, colorOf(shard.owner))} ${shard.ticks}`);
  }
  out.push('', view.nodes.map((node) => paint(`${node.name} ${node.state === 'running' ? `● ${node.owned}` : `✖ ${node.state}`}`, colorOf(node.name))).join('   '), '', 'EVENTS');
  for (const event of view.events.slice(-6)) out.push(`  ${event}`);
  return out;
}

/** Draws the view: in place on a TTY, one summary line per second otherwise. */
export function render(view: View, final = false): void {
  if (tty) {
    const text = lines(view);
    if (drawn > 0) process.stdout.write(`\x1b[${drawn}A`);
    process.stdout.write(text.map((line) => `${line}\x1b[K\n`).join(''));
    drawn = text.length;
    return;
  }
  const second = Math.floor(view.elapsedMs / 1000);
  if (!final && second === lastPlain) return;
  lastPlain = second;
  const nodes = view.nodes.map((node) => `${node.name}:${node.state === 'running' ? node.owned : node.state}`).join(' ');
  console.log(`t=${(view.elapsedMs / 1000).toFixed(1)}s  ${nodes}  unowned:${view.shards.filter((s) => s.owner === undefined).length}`);
  if (final) for (const line of lines(view)) console.log(line);
}

/** Prints an event line at once when not on a TTY (on a TTY it shows in the table). */
export function announce(event: string): void {
  if (!tty) console.log(`  ${event}`);
}
