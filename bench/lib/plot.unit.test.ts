import { describe, expect, it } from 'vitest';
import { lineSpec, NO_POINTS, svgLinePlot } from './plot.js';

/** The series each drawn line belongs to, from the line marks' accessible labels, in order. */
const lines = (svg: string) =>
  [...svg.matchAll(/<path aria-label="[^"]*series: ([^";]*)[^"]*"[^>]*aria-roledescription="line mark"/g)].map((m) => m[1]);
const legend = (svg: string) => /aria-roledescription="legend" aria-label="[^:]*: ([^"]*)"/.exec(svg)?.[1];

describe('line plots (vega-lite rendered to SVG)', () => {
  it('draws one line per series with points, and lists every series in the legend in order', async () => {
    const svg = await svgLinePlot(
      [
        { name: 'baseline', points: [[0, 0], [365, 809], [1400, 946]] },
        { name: 'full', points: [[0, 0], [96, 19], [1115, 700], [2115, 785]] },
        { name: 'b<c', points: [] },
      ],
      { title: 'origin', xLabel: 'ms since burst start', yLabel: 'origin queries' },
    );
    expect(svg).toMatch(/^<svg /);
    expect(lines(svg)).toEqual(['baseline', 'full']);
    expect(legend(svg)).toBe(`baseline, full, b&lt;c${NO_POINTS}`);
    // Each point is drawn too: 3 + 4.
    expect(svg.match(/aria-roledescription="point"/g)).toHaveLength(7);
  });

  it('drops the points a log y axis cannot show, and marks a series left with none', async () => {
    const series = [
      { name: 'a', points: [[0, 0], [1, 2], [2, 20]] as Array<[number, number]> },
      { name: 'b', points: [[0, 0], [1, -1]] as Array<[number, number]> },
    ];
    const spec = lineSpec(series, { logY: true });
    expect(spec).toMatchObject({ data: { values: [{ series: 'a', x: 1, y: 2 }, { series: 'a', x: 2, y: 20 }] } });
    const svg = await svgLinePlot(series, { logY: true });
    expect(lines(svg)).toEqual(['a']);
    expect(legend(svg)).toBe(`a, b${NO_POINTS}`);
  });
});
