/**
 * Line plots for the bench and demo reports: one vega-lite spec per plot (a line per named
 * series on shared axes, a legend, optionally a log y axis), rendered to SVG in Node by vega
 * without a browser or canvas.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface Series {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface PlotOptions {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** The plotting area, in pixels (axes, title and legend come on top). */
  readonly width?: number;
  readonly height?: number;
  /** Log10 y axis; points with y <= 0 are dropped (a log scale has no place for them). */
  readonly logY?: boolean;
}

/** Shown in the legend beside a series that has nothing to draw, so a missing run shows. */
export const NO_POINTS = ' (no points)';

export function lineSpec(series: readonly Series[], o: PlotOptions = {}): TopLevelSpec {
  const drawable = ([x, y]: readonly [number, number]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logY || y > 0);
  const rows = series.flatMap((s) => s.points.filter(drawable).map(([x, y]) => ({ series: s.name, x, y })));
  // The domain lists every series in the caller's order, drawn or not.
  const domain = series.map((s) => (rows.some((r) => r.series === s.name) ? s.name : `${s.name}${NO_POINTS}`));
  return {
    ...(o.title ? { title: o.title } : {}),
    width: o.width ?? 640,
    height: o.height ?? 280,
    background: 'white',
    data: { values: rows },
    // Points as well as lines: a series of one or two samples still shows where it is.
    mark: { type: 'line', point: { size: 16 }, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.xLabel ?? 'x' },
      y: { field: 'y', type: 'quantitative', title: o.yLabel ?? 'y', scale: o.logY ? { type: 'log' } : { zero: true } },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain }, legend: { orient: 'bottom', columns: 3 } },
    },
  };
}

/** Compiles a vega-lite spec and renders it headless (renderer 'none': no DOM). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function svgLinePlot(series: readonly Series[], o: PlotOptions = {}): Promise<string> {
  return renderSvg(lineSpec(series, o));
}
