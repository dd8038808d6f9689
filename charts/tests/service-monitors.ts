/**
 * Does each ServiceMonitor scrape something that exists? Prometheus follows a ServiceMonitor
 * to the Services its selector matches, then to their endpoints on the named port; a typo in
 * a label or port name silently scrapes nothing. Pure: the live objects come in as arguments.
 */

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: readonly string[] }[];
}

export interface ServiceMonitorView {
  readonly name: string;
  readonly namespace: string;
  readonly selector: LabelSelector;
  /** namespaceSelector.matchNames; absent: the ServiceMonitor's own namespace. */
  readonly matchNames?: readonly string[];
  readonly ports: readonly string[];
}

export interface ServiceView {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly string[];
}

/** Ready addresses per port name of one Service (from its EndpointSlices). */
export interface EndpointsView {
  readonly service: string;
  readonly namespace: string;
  readonly readyByPort: Readonly<Record<string, number>>;
}

export interface MonitorTarget {
  readonly monitor: string;
  readonly service: string;
  readonly port: string;
  readonly readyAddresses: number;
}

export interface MonitorCheck {
  readonly targets: MonitorTarget[];
  /** One sentence per ServiceMonitor endpoint that would scrape nothing. */
  readonly problems: string[];
}

export function selects(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return byLabel && (selector.matchExpressions ?? []).every((e) => {
    const has = Object.hasOwn(labels, e.key);
    switch (e.operator) {
      case 'In': return has && (e.values ?? []).includes(labels[e.key]!);
      case 'NotIn': return !has || !(e.values ?? []).includes(labels[e.key]!);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
    }
  });
}

export function checkServiceMonitors(
  monitors: readonly ServiceMonitorView[],
  services: readonly ServiceView[],
  endpoints: readonly EndpointsView[],
): MonitorCheck {
  const targets: MonitorTarget[] = [];
  const problems: string[] = [];
  for (const m of monitors) {
    const namespaces = m.matchNames ?? [m.namespace];
    const selected = services.filter((s) => namespaces.includes(s.namespace) && selects(m.selector, s.labels));
    if (!selected.length) {
      problems.push(`ServiceMonitor ${m.name} selects no Service (selector ${JSON.stringify(m.selector)} in ${namespaces.join(', ')})`);
      continue;
    }
    for (const port of m.ports) {
      for (const s of selected) {
        if (!s.ports.includes(port)) {
          problems.push(`ServiceMonitor ${m.name} scrapes port "${port}", which Service ${s.name} does not name (it has ${s.ports.join(', ') || 'none'})`);
          continue;
        }
        const ready = endpoints.find((e) => e.service === s.name && e.namespace === s.namespace)?.readyByPort[port] ?? 0;
        if (!ready) problems.push(`ServiceMonitor ${m.name}: Service ${s.name} has no ready endpoint on port "${port}"`);
        targets.push({ monitor: m.name, service: s.name, port, readyAddresses: ready });
      }
    }
  }
  return { targets, problems };
}
