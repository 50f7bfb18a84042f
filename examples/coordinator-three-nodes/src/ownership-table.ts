/** Renders who owns which shard: redrawn in place on a TTY, plain lines otherwise. */
export class OwnershipTable {
  readonly #tty: boolean;
  #drawnLines = 0;
  #lastPlain = '';

  constructor(tty: boolean) {
    this.#tty = tty;
  }

  draw(title: string, shards: readonly string[], ownerOf: (shard: string) => string | undefined): void {
    const cells = shards.map((shard) => `${shard.padEnd(10)} ${(ownerOf(shard) ?? '-').padEnd(8)}`);
    const rows: string[] = [];
    for (let i = 0; i < cells.length; i += 3) rows.push(cells.slice(i, i + 3).join(' | '));
    if (this.#tty) {
      const lines = [title, ...rows];
      if (this.#drawnLines > 0) process.stdout.write(`\x1b[${this.#drawnLines}A`);
      process.stdout.write(lines.map((line) => `\x1b[2K${line}\n`).join(''));
      this.#drawnLines = lines.length;
      return;
    }
    const summary = rows.join('\n');
    if (summary === this.#lastPlain) return;
    this.#lastPlain = summary;
    console.log(`${title}\n${summary}`);
  }

  /** Leaves the table on screen; later output starts below it. */
  release(): void {
    this.#drawnLines = 0;
  }
}
