import { describe, expect, it } from 'vitest';
import { parseSeries } from './fleet-metrics.js';

const TEXT = `# HELP herdguard_cache_requests_total Cache lookups by tier and result.
# TYPE herdguard_cache_requests_total counter
herdguard_cache_requests_total{service="profile",keyspace="user:",tier="l1",result="hit"} 120
herdguard_cache_stale_fallbacks_total{service="profile",keyspace="user:",reason="origin_failed"} 7
herdguard_origin_requests_total{service="profile",origin="postgres",outcome="rejected"} 3
herdguard_origin_request_duration_seconds_bucket{service="profile",origin="postgres",le="0.1"} 4
herdguard_origin_request_duration_seconds_sum{service="profile",origin="postgres"} 0.25
herdguard_origin_inflight{service="profile",origin="postgres"} 2
herdguard_http_requests_total{service="profile",route="/users/:id",code="2xx"} 99
process_cpu_seconds_total 1.5
`;

describe('reading the fleet metrics a dependency fault is judged by', () => {
  it('keeps the series the figures need, by name and labels, and drops the rest', () => {
    const s = parseSeries(TEXT);
    expect(s.get('herdguard_cache_requests_total{service="profile",keyspace="user:",tier="l1",result="hit"}')).toBe(120);
    expect(s.get('herdguard_cache_stale_fallbacks_total{service="profile",keyspace="user:",reason="origin_failed"}')).toBe(7);
    expect(s.get('herdguard_origin_requests_total{service="profile",origin="postgres",outcome="rejected"}')).toBe(3);
    expect(s.get('herdguard_origin_request_duration_seconds_sum{service="profile",origin="postgres"}')).toBe(0.25);
    expect(s.get('herdguard_origin_inflight{service="profile",origin="postgres"}')).toBe(2);
    expect([...s.keys()].some((k) => k.includes('_bucket') || k.startsWith('herdguard_http') || k.startsWith('process_'))).toBe(false);
  });
});
