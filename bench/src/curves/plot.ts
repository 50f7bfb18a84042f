/** A small SVG of line charts (log-log panels side by side), written by the bench next to its results. */

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface Panel {
  readonly title: string;
  readonly x: string;
  readonly y: string;
  readonly series: readonly Series[];
}

const W = 300;
const H = 220;
const M = { left: 48, right: 12, top: 28, bottom: 40 };

/** Log-scale ticks (powers of ten) covering [min, max]. */
function decades(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e += 1) ticks.push(10 ** e);
  return ticks;
}

const label = (value: number): string => (value >= 1000 ? `${value / 1000}k` : String(value));
const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function panel(p: Panel, offset: number): string {
  const points = p.series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(y));
  if (points.length === 0) return '';
  const xs = decades(Math.min(...points.map(([x]) => x)), Math.max(...points.map(([x]) => x)));
  const ys = decades(Math.min(...points.map(([, y]) => y)), Math.max(...points.map(([, y]) => y)));
  const sx = (x: number): number =>
    offset + M.left + ((Math.log10(x) - Math.log10(xs[0]!)) / (Math.log10(xs.at(-1)!) - Math.log10(xs[0]!) || 1)) * (W - M.left - M.right);
  const sy = (y: number): number =>
    H - M.bottom - ((Math.log10(y) - Math.log10(ys[0]!)) / (Math.log10(ys.at(-1)!) - Math.log10(ys[0]!) || 1)) * (H - M.top - M.bottom);
  const parts = [`<text x="${offset + W / 2}" y="16" text-anchor="middle" font-weight="bold">${escape(p.title)}</text>`];
  for (const x of xs)
    parts.push(
      `<line x1="${sx(x)}" y1="${M.top}" x2="${sx(x)}" y2="${H - M.bottom}" stroke="#ddd"/><text x="${sx(x)}" y="${H - M.bottom + 14}" text-anchor="middle">${label(x)}</text>`,
    );
  for (const y of ys)
    parts.push(
      `<line x1="${offset + M.left}" y1="${sy(y)}" x2="${offset + W - M.right}" y2="${sy(y)}" stroke="#ddd"/><text x="${offset + M.left - 4}" y="${sy(y) + 4}" text-anchor="end">${label(y)}</text>`,
    );
  parts.push(`<text x="${offset + W / 2}" y="${H - 6}" text-anchor="middle">${escape(p.x)}</text>`);
  parts.push(`<text transform="translate(${offset + 12},${H / 2}) rotate(-90)" text-anchor="middle">${escape(p.y)}</text>`);
  p.series.forEach((s, i) => {
    const line = s.points.filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(y)).map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${line.join(' ')}"/>`);
    for (const point of line) parts.push(`<circle cx="${point.split(',')[0]}" cy="${point.split(',')[1]}" r="2.5" fill="${s.color}"/>`);
    parts.push(`<text x="${offset + M.left + 6}" y="${M.top + 12 + i * 13}" fill="${s.color}">${escape(s.name)}</text>`);
  });
  return parts.join('\n');
}

/** The panels side by side, log-log. */
export function renderPlot(panels: readonly Panel[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W * panels.length}" height="${H}" font-family="sans-serif" font-size="10">`,
    '<rect width="100%" height="100%" fill="white"/>',
    ...panels.map((p, i) => panel(p, i * W)),
    '</svg>',
  ].join('\n');
}
