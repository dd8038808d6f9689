import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseErrors } from '../promql/promtool.js';
import { JSON_DIR } from './generate.js';
import { concreteQuery, dashboardQueries } from './validate.js';

describe('dashboard queries checked by the real promtool', () => {
  it('every dashboard query parses with the Prometheus parser', () => {
    const queries = readdirSync(JSON_DIR)
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) =>
        dashboardQueries(JSON.parse(readFileSync(join(JSON_DIR, f), 'utf8')) as Record<string, unknown>),
      )
      .map((q) => ({ ...q, expr: concreteQuery(q.expr) }));
    expect(queries.length).toBeGreaterThan(25);
    expect(parseErrors(queries)).toEqual([]);
  });
});
