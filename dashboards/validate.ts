/**
 * Structural validation of dashboard JSON against the foundation SDK's types. The SDK package
 * (0.0.21) ships TypeScript types and builders but no JSON schema, so the key lists below are
 * typed as exhaustive records of the SDK interfaces: if the SDK adds or drops a field, this
 * file stops compiling, and a JSON key the SDK does not know is reported.
 */
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import type { Dashboard, GridPos, Panel, RowPanel } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Dataquery } from '@grafana/grafana-foundation-sdk/prometheus';

type Keys<T> = Record<Exclude<keyof T, '_implementsDataqueryVariant'>, true>;

const dashboardKeys: Keys<Dashboard> = {
  id: true,
  uid: true,
  title: true,
  description: true,
  revision: true,
  gnetId: true,
  tags: true,
  timezone: true,
  editable: true,
  graphTooltip: true,
  time: true,
  timepicker: true,
  fiscalYearStartMonth: true,
  liveNow: true,
  weekStart: true,
  refresh: true,
  schemaVersion: true,
  version: true,
  panels: true,
  templating: true,
  annotations: true,
  links: true,
  snapshot: true,
  preload: true,
};
const panelKeys: Keys<Panel> = {
  type: true,
  id: true,
  pluginVersion: true,
  targets: true,
  title: true,
  description: true,
  transparent: true,
  datasource: true,
  gridPos: true,
  links: true,
  repeat: true,
  repeatDirection: true,
  maxPerRow: true,
  maxDataPoints: true,
  transformations: true,
  interval: true,
  timeFrom: true,
  timeShift: true,
  hideTimeOverride: true,
  timeCompare: true,
  libraryPanel: true,
  cacheTimeout: true,
  queryCachingTTL: true,
  options: true,
  fieldConfig: true,
};
const rowKeys: Keys<RowPanel> = {
  type: true,
  collapsed: true,
  title: true,
  datasource: true,
  gridPos: true,
  id: true,
  panels: true,
  repeat: true,
};
const gridKeys: Keys<GridPos> = { h: true, w: true, x: true, y: true, static: true };
const refKeys: Keys<DataSourceRef> = { type: true, uid: true };
const queryKeys: Keys<Dataquery> = {
  expr: true,
  instant: true,
  range: true,
  exemplar: true,
  editorMode: true,
  format: true,
  legendFormat: true,
  intervalFactor: true,
  adhocFilters: true,
  groupByKeys: true,
  refId: true,
  hide: true,
  queryType: true,
  datasource: true,
  interval: true,
  maxDataPoints: true,
  intervalMs: true,
  timeRange: true,
  resultAssertions: true,
  scopes: true,
};

/** Panel types our dashboards may use (each one a package of the SDK). */
export const PANEL_TYPES = ['timeseries', 'stat', 'row'];

type Json = Record<string, unknown>;

function unknownKeys(where: string, obj: unknown, known: Record<string, true>, errors: string[]): void {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    errors.push(`${where}: expected an object, got ${JSON.stringify(obj)}`);
    return;
  }
  for (const k of Object.keys(obj)) {
    if (!(k in known))
      errors.push(`${where}: unknown field "${k}" (the SDK type has: ${Object.keys(known).join(', ')})`);
  }
}

function checkGrid(where: string, g: unknown, errors: string[]): void {
  unknownKeys(`${where}.gridPos`, g, gridKeys, errors);
  const { x, w, h, y } = (g ?? {}) as Partial<GridPos>;
  if (
    ![x, w, h, y].every((n) => Number.isInteger(n) && (n as number) >= 0) ||
    (x as number) + (w as number) > 24
  ) {
    errors.push(
      `${where}.gridPos: expected non-negative integers with x + w <= 24, got ${JSON.stringify(g)}`,
    );
  }
}

function checkQuery(where: string, t: Json, errors: string[]): void {
  unknownKeys(where, t, queryKeys, errors);
  unknownKeys(`${where}.datasource`, t['datasource'], refKeys, errors);
  if (typeof t['expr'] !== 'string' || t['expr'] === '') errors.push(`${where}: expected a PromQL expr`);
  if ((t['datasource'] as DataSourceRef | undefined)?.uid !== '${datasource}')
    errors.push(`${where}: must use the $datasource variable`);
}

function checkPanel(where: string, p: Json, errors: string[]): void {
  if (!PANEL_TYPES.includes(String(p['type'])))
    errors.push(`${where}: panel type "${String(p['type'])}" is not one of ${PANEL_TYPES.join(', ')}`);
  if (p['type'] === 'row') {
    unknownKeys(where, p, rowKeys, errors);
    checkGrid(where, p['gridPos'], errors);
    return;
  }
  unknownKeys(where, p, panelKeys, errors);
  checkGrid(where, p['gridPos'], errors);
  if (typeof p['description'] !== 'string' || p['description'].length < 20)
    errors.push(`${where}: needs a description`);
  const unit = ((p['fieldConfig'] as Json | undefined)?.['defaults'] as Json | undefined)?.['unit'];
  if (typeof unit !== 'string' || unit === '') errors.push(`${where}: needs fieldConfig.defaults.unit`);
  const targets = p['targets'];
  if (!Array.isArray(targets) || targets.length === 0) errors.push(`${where}: needs at least one query`);
  else targets.forEach((t, i) => checkQuery(`${where}.targets[${i}]`, t as Json, errors));
}

/** Every problem found in one dashboard's JSON; empty when it is valid. */
export function validateDashboard(d: Json): string[] {
  const errors: string[] = [];
  const name = typeof d['uid'] === 'string' ? d['uid'] : '(no uid)';
  unknownKeys(name, d, dashboardKeys, errors);
  if (typeof d['uid'] !== 'string' || !/^[a-z0-9-]{1,40}$/.test(d['uid']))
    errors.push(`${name}: uid must be 1-40 of [a-z0-9-]`);
  if (typeof d['schemaVersion'] !== 'number') errors.push(`${name}: schemaVersion must be a number`);
  if (d['editable'] !== false) errors.push(`${name}: must be read-only (editable: false)`);
  const vars = ((d['templating'] as Json | undefined)?.['list'] ?? []) as Json[];
  if (
    !vars.some((v) => v['type'] === 'datasource' && v['name'] === 'datasource' && v['query'] === 'prometheus')
  ) {
    errors.push(`${name}: needs a prometheus datasource variable named "datasource"`);
  }
  const panels = (d['panels'] ?? []) as Json[];
  const ids = panels.map((p) => p['id']);
  if (new Set(ids).size !== ids.length || ids.some((id) => !Number.isInteger(id)))
    errors.push(`${name}: panel ids must be unique integers`);
  panels.forEach((p, i) => checkPanel(`${name}.panels[${i}] "${String(p['title'])}"`, p, errors));
  return errors;
}

/** Every PromQL expression in a dashboard, with where it lives. */
export function dashboardQueries(d: Json): { source: string; expr: string }[] {
  return ((d['panels'] ?? []) as Json[]).flatMap((p) =>
    ((p['targets'] ?? []) as Json[]).map((t) => ({
      source: `dashboard ${String(d['uid'])} / ${String(p['title'])} / ${String(t['refId'])}`,
      expr: String(t['expr']),
    })),
  );
}

/** Grafana's built-in interval variables, replaced by a fixed window so Prometheus can run the query. */
export function concreteQuery(expr: string, window = '1m'): string {
  return expr
    .replaceAll('$__rate_interval', window)
    .replaceAll('$__interval', window)
    .replaceAll('$__range', window);
}
