/**
 * Shared benchmark helpers. Typical use:
 *   await writeReport({ dir: 'reports', name: 'herd', title: 'Herd lab', tables: [{ columns, rows }],
 *                 plots: [{ title, file: 'herd-latency.svg', series: [{ name, points }] }] });
 */
export { formatCell, htmlTable, markdownTable, writeJson, writeReport, type Plot, type ReportInput, type Table } from './report.js';
export { lineSpec, NO_POINTS, renderSvg, svgLinePlot, type PlotOptions, type Series } from './plot.js';
export { bin, opsPerSecond, quantile, spread, summarize, type LatencySummary, type Spread } from './stats.js';
