import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bin, markdownTable, quantile, summarize, writeReport } from './index.js';

describe('bench report helpers', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('renders a markdown table with rounded numbers and a dash for missing cells', () => {
    const md = markdownTable({ columns: ['mode', 'p99'], rows: [['full', 12.34567], ['baseline', null]] });
    expect(md).toBe('| mode | p99 |\n| --- | --- |\n| full | 12.346 |\n| baseline | – |');
  });

  it('computes nearest-rank quantiles and a latency summary', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(xs, 0.5)).toBe(50);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(summarize(xs)).toEqual({ count: 100, p50Ms: 50, p95Ms: 95, p99Ms: 99, maxMs: 100 });
  });

  it('bins events into fixed-width time buckets', () => {
    expect(bin([[0, 1], [5, 3], [12, 10]], 10, (v) => v.reduce((a, b) => a + b, 0))).toEqual([[0, 4], [10, 10]]);
  });

  it('writes the report and one svg file per plot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-lib-'));
    dirs.push(dir);
    const file = await writeReport({
      dir,
      name: 'r',
      title: 'T',
      tables: [{ columns: ['x'], rows: [[1]] }],
      plots: [{ title: 'P', file: 'p.svg', series: [{ name: 's', points: [[0, 0], [1, 1]] }] }],
    });
    expect(readFileSync(file, 'utf8')).toContain('![P](p.svg)');
    const svg = readFileSync(join(dir, 'p.svg'), 'utf8');
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('series: s');
  });
});
