import { describe, expect, it } from 'vitest';
import { checkServiceMonitors, selects, type EndpointsView, type ServiceMonitorView, type ServiceView } from './service-monitors.js';

const ns = 'shop';
const app = (component: string) => ({ 'app.kubernetes.io/instance': 'hg', 'app.kubernetes.io/component': component });
const monitor = (over: Partial<ServiceMonitorView> = {}): ServiceMonitorView =>
  ({ name: 'hg-operator', namespace: ns, selector: { matchLabels: app('operator') }, ports: ['metrics'], ...over });
const service = (over: Partial<ServiceView> = {}): ServiceView =>
  ({ name: 'hg-operator-metrics', namespace: ns, labels: { ...app('operator'), 'helm.sh/chart': 'herdguard-0.1.0' }, ports: ['metrics'], ...over });
const ready = (over: Partial<EndpointsView> = {}): EndpointsView =>
  ({ service: 'hg-operator-metrics', namespace: ns, readyByPort: { metrics: 2 }, ...over });

describe('checkServiceMonitors', () => {
  it('finds no problem when the selector matches a Service naming the port, with ready endpoints', () => {
    const r = checkServiceMonitors([monitor()], [service()], [ready()]);
    expect(r.problems).toEqual([]);
    expect(r.targets).toEqual([{ monitor: 'hg-operator', service: 'hg-operator-metrics', port: 'metrics', readyAddresses: 2 }]);
  });

  it.each([
    ['a selector label no Service carries', monitor({ selector: { matchLabels: app('operatr') } }), service(), ready(), /selects no Service/],
    ['a Service in another namespace', monitor(), service({ namespace: 'other' }), ready({ namespace: 'other' }), /selects no Service/],
    ['a port name the Service does not have', monitor({ ports: ['http'] }), service(), ready(), /scrapes port "http", which Service hg-operator-metrics does not name \(it has metrics\)/],
    ['a Service with no ready endpoint', monitor(), service(), ready({ readyByPort: { metrics: 0 } }), /has no ready endpoint on port "metrics"/],
    ['a Service with no EndpointSlice at all', monitor(), service(), ready({ service: 'someone-else' }), /has no ready endpoint/],
  ])('reports %s', (_what, m, s, e, problem) => {
    const r = checkServiceMonitors([m], [s], [e]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(problem);
  });

  it('follows namespaceSelector.matchNames rather than the monitor namespace', () => {
    const r = checkServiceMonitors([monitor({ namespace: 'monitoring', matchNames: [ns] })], [service()], [ready()]);
    expect(r.problems).toEqual([]);
  });
});

describe('selects', () => {
  it.each([
    [{ matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['web'] }] }, { tier: 'web' }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['web'] }] }, {}, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn' as const, values: ['web'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists' as const }] }, { tier: '' }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' as const }] }, { tier: 'web' }, false],
    [{}, { anything: 'x' }, true],
  ])('selector %j on labels %j is %s', (selector, labels, expected) => {
    expect(selects(selector, labels)).toBe(expected);
  });
});
