/**
 * Benchmark reports shared by the herd lab and the market-data bench: a Markdown file
 * (tables and inline SVG plots, viewable on GitHub and in any browser as HTML) plus the
 * JSON results. The plots are vega-lite line charts rendered to SVG files beside the report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { svgLinePlot, type PlotOptions, type Series } from './plot.js';

export interface Table {
  readonly title?: string;
  readonly columns: readonly string[];
  /** Cells are printed as given; numbers get at most 3 decimals. */
  readonly rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>;
}

export interface Plot {
  readonly title: string;
  readonly series: readonly Series[];
  readonly options?: PlotOptions;
  /** File name of the SVG written beside the report, e.g. "herd-latency-uniform.svg". */
  readonly file: string;
}

export interface ReportInput {
  /** Directory the report and its SVG files are written to (created if missing). */
  readonly dir: string;
  /** Report file name without extension; default "report". */
  readonly name?: string;
  readonly title: string;
  /** Markdown paragraphs placed under the title (commands, setup, conclusions). */
  readonly intro?: readonly string[];
  readonly tables?: readonly Table[];
  readonly plots?: readonly Plot[];
  /** "md" (default) or "html". */
  readonly format?: 'md' | 'html';
}

export function formatCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
  }
  return v.replace(/\|/g, '\\|');
}

export function markdownTable(t: Table): string {
  const head = `| ${t.columns.join(' | ')} |`;
  const sep = `| ${t.columns.map(() => '---').join(' | ')} |`;
  const body = t.rows.map((r) => `| ${t.columns.map((_, i) => formatCell(r[i])).join(' | ')} |`);
  return [t.title ? `### ${t.title}\n` : '', head, sep, ...body].filter((s) => s !== '').join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function htmlTable(t: Table): string {
  const head = t.columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const rows = t.rows.map((r) => `<tr>${t.columns.map((_, i) => `<td>${esc(formatCell(r[i]))}</td>`).join('')}</tr>`);
  return `${t.title ? `<h3>${esc(t.title)}</h3>` : ''}<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Writes the report and one SVG per plot; resolves to the report's path. */
export async function writeReport(input: ReportInput): Promise<string> {
  mkdirSync(input.dir, { recursive: true });
  const format = input.format ?? 'md';
  const name = input.name ?? 'report';
  const figures = input.plots ?? [];
  for (const p of figures) writeFileSync(join(input.dir, p.file), await svgLinePlot(p.series, { title: p.title, ...p.options }));
  const file = join(input.dir, `${name}.${format}`);
  const text =
    format === 'md'
      ? [
          `# ${input.title}`,
          ...(input.intro ?? []),
          ...(input.tables ?? []).map(markdownTable),
          ...figures.map((p) => `![${p.title}](${p.file})`),
        ].join('\n\n') + '\n'
      : `<!doctype html><meta charset="utf-8"><title>${esc(input.title)}</title>` +
        '<style>body{font:14px system-ui;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style>' +
        `<h1>${esc(input.title)}</h1>${(input.intro ?? []).map((p) => `<p>${esc(p)}</p>`).join('')}` +
        (input.tables ?? []).map(htmlTable).join('') +
        figures.map((p) => `<figure><img src="${esc(p.file)}" alt="${esc(p.title)}"></figure>`).join('') +
        '\n';
  writeFileSync(file, text);
  return file;
}

/** Writes `value` as pretty JSON, creating the directory. */
export function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}
