/**
 * A dependency-free SVG line chart: several named series of (x, y) points on shared
 * linear axes with ticks, a legend and optional log-scaled y. Enough for "latency over
 * time" and "origin queries over time" side by side per mode.
 */
export interface Series {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface PlotOptions {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly width?: number;
  readonly height?: number;
  /** Log10 y axis; points with y <= 0 are dropped. */
  readonly logY?: boolean;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** About five round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

const fmt = (v: number) => (Math.abs(v) >= 1000 ? `${Math.round(v / 100) / 10}k` : String(Number(v.toPrecision(3))));

export function svgLinePlot(series: readonly Series[], opts: PlotOptions = {}): string {
  const W = opts.width ?? 720;
  const H = opts.height ?? 360;
  const m = { l: 64, r: 16, t: opts.title ? 32 : 12, b: 58 + 16 * Math.ceil(series.length / 4) };
  const ty = (y: number) => (opts.logY ? Math.log10(y) : y);
  const pts = series.map((s) => s.points.filter(([, y]) => Number.isFinite(y) && (!opts.logY || y > 0)));
  const xs = pts.flat().map(([x]) => x);
  const ys = pts.flat().map(([, y]) => ty(y));
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length ? Math.max(...xs, xMin + 1e-9) : 1;
  const yMin = opts.logY ? Math.floor(ys.length ? Math.min(...ys) : 0) : Math.min(0, ...ys);
  const yMax = ys.length ? Math.max(...ys, yMin + 1e-9) : 1;
  const px = (x: number) => m.l + ((x - xMin) / (xMax - xMin || 1)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((ty(y) - yMin) / (yMax - yMin || 1)) * (H - m.t - m.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  if (opts.title) out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(opts.title)}</text>`);
  for (const t of niceTicks(xMin, xMax)) {
    out.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/>`);
    out.push(`<text x="${px(t)}" y="${H - m.b + 14}" text-anchor="middle">${fmt(t)}</text>`);
  }
  const yTicks = opts.logY
    ? Array.from({ length: Math.ceil(yMax) - yMin + 1 }, (_, i) => 10 ** (yMin + i))
    : niceTicks(yMin, yMax);
  for (const t of yTicks) {
    const y = py(t);
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${m.l - 6}" y="${y + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#888"/>`);
  if (opts.xLabel) out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - m.b + 30}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  if (opts.yLabel) {
    out.push(`<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`);
  }
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length] as string;
    const p = pts[i] ?? [];
    if (p.length) {
      const d = p.map(([x, y], j) => `${j ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    }
    const lx = m.l + (i % 4) * ((W - m.l - m.r) / 4);
    const ly = H - m.b + 58 + 16 * Math.floor(i / 4) - 6; // below the x-axis label
    out.push(`<rect x="${lx}" y="${ly - 8}" width="12" height="3" fill="${color}"/>`);
    out.push(`<text x="${lx + 16}" y="${ly - 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
