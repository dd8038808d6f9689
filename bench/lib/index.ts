/**
 * Shared benchmark helpers. Typical use:
 *   writeReport({ dir: 'reports', name: 'herd', title: 'Herd lab', tables: [{ columns, rows }],
 *                 plots: [{ title, file: 'herd-latency.svg', series: [{ name, points }] }] });
 */
export { formatCell, htmlTable, markdownTable, writeJson, writeReport, type Plot, type ReportInput, type Table } from './report.js';
export { niceTicks, svgLinePlot, type PlotOptions, type Series } from './svg.js';
export { bin, opsPerSecond, quantile, spread, summarize, type LatencySummary, type Spread } from './stats.js';
