/**
 * The few panel shapes our dashboards use, built with @grafana/grafana-foundation-sdk. Every
 * panel has a description and a unit, every query reads the `$datasource` variable, and
 * every dashboard is read-only with a stable uid.
 */
import {
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  VizLegendOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  RowBuilder,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

export const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };
/** Grafana picks a rate window of at least four scrape intervals. */
export const W = '$__rate_interval';

export interface Query {
  readonly expr: string;
  readonly legend: string;
}

export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  /** A Grafana unit id: percentunit, reqps, s, short, none, dateTimeFromNow... */
  readonly unit: string;
  readonly queries: readonly Query[];
  readonly kind?: 'timeseries' | 'stat';
  readonly stack?: 'normal' | 'percent';
  readonly min?: number;
  readonly max?: number;
}

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly rows: readonly RowSpec[];
}

function targets(p: PanelSpec) {
  return p.queries.map((q, i) =>
    new DataqueryBuilder()
      .datasource(DATASOURCE)
      .expr(q.expr)
      .legendFormat(q.legend)
      .refId(String.fromCharCode(65 + i))
      .range(),
  );
}

function panel(p: PanelSpec, id: number, width: number) {
  if (p.kind === 'stat') {
    return new StatBuilder()
      .id(id)
      .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
      .title(p.title)
      .description(p.description)
      .unit(p.unit)
      .datasource(DATASOURCE)
      .targets(targets(p))
      .height(6)
      .span(width);
  }
  const b = new TimeseriesBuilder()
    .id(id)
    .title(p.title)
    .description(p.description)
    .unit(p.unit)
    .datasource(DATASOURCE)
    .targets(targets(p))
    .height(8)
    .span(width)
    .legend(
      new VizLegendOptionsBuilder()
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom)
        .showLegend(true),
    );
  if (p.stack)
    b.stacking(
      new StackingConfigBuilder().mode(p.stack === 'percent' ? StackingMode.Percent : StackingMode.Normal),
    );
  if (p.min !== undefined) b.min(p.min);
  if (p.max !== undefined) b.max(p.max);
  return b;
}

export function buildDashboard(spec: DashboardSpec): Dashboard {
  const d = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([...spec.tags])
    .readonly()
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'));
  let id = 0;
  for (const row of spec.rows) {
    d.withRow(new RowBuilder(row.title).id(++id));
    const width = Math.max(6, Math.floor(24 / Math.min(row.panels.length, 3)));
    for (const p of row.panels) d.withPanel(panel(p, ++id, width));
  }
  return d.build();
}
