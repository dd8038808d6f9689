/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   rendered Kubernetes objects are untyped YAML; the assertions below are their type check. */
/**
 * The chart rendered by the real helm for the main value combinations, asserted on the
 * parsed objects (not on text).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNBOOK_BASE_URL } from '../../alerts/spec.js';
import { parse } from 'yaml';
import { chartDir, repoRoot, find, MONITORING_APIS, ofKind, podSpecs, render, renderError, type Rendered } from './helm.js';

const n = (c: string) => `hg-herdguard-${c}`;
const envOf = (d: Rendered) => d.spec.template.spec.containers[0].env as Array<{ name: string; value?: string; valueFrom?: any }>;
const envVar = (d: Rendered, name: string) => envOf(d).find((e) => e.name === name);

describe('the chart with default values', () => {
  const docs = render();

  it('runs the operator as 2 replicas with leader election in the release namespace', () => {
    const op = find(docs, 'Deployment', n('operator'));
    expect(op.spec.replicas).toBe(2);
    expect(envVar(op, 'LEADER_ELECTION_NAMESPACE')?.value).toBe('shop');
    expect(envVar(op, 'WATCH_NAMESPACE')?.value).toBe('shop');
    expect(envVar(op, 'POD_NAME')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    // Its Role: least-privilege.int.test.ts.
    find(docs, 'Role', `${n('operator')}-leader-election`);
  });

  it('runs each example service under its own ServiceAccount, which loads the API policy source itself', () => {
    for (const svc of ['profile', 'market-data']) {
      const dep = find(docs, 'Deployment', n(svc));
      expect(dep.spec.template.spec.serviceAccountName).toBe(n(svc));
      expect(envVar(dep, 'HERDGUARD_POLICY_CONFIGMAP')?.value).toBe(`shop/${n(svc)}-herdguard-policy`);
      // The image runs compiled JS; the service kit loads the API policy source when the env names a ConfigMap.
      expect(dep.spec.template.spec.containers[0].args).toEqual([`example-app/${svc}/main.js`]);
      for (const ts of ['lib/4-cache/sources/kube-source.ts', `example-app/${svc}/main.ts`]) expect(existsSync(join(repoRoot, ts)), ts).toBe(true);
    }
    expect(find(docs, 'ServiceAccount', n('feed-simulator')).automountServiceAccountToken).toBe(false);
  });

  it('hardens every container: non-root, read-only root filesystem, no capabilities, no escalation', () => {
    const specs = podSpecs(docs);
    expect(specs.length).toBe(6);
    for (const { owner, spec } of specs) {
      expect(spec.securityContext.runAsNonRoot, owner).toBe(true);
      for (const c of spec.containers) {
        expect(c.securityContext, `${owner}/${c.name}`).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
  });

  it('gives every container requests, limits and liveness and readiness probes', () => {
    for (const { owner, spec } of podSpecs(docs)) {
      for (const c of spec.containers) {
        expect(Object.keys(c.resources).sort(), `${owner}/${c.name}`).toEqual(['limits', 'requests']);
        expect(c.livenessProbe, `${owner}/${c.name}`).toBeDefined();
        expect(c.readinessProbe, `${owner}/${c.name}`).toBeDefined();
      }
    }
  });

  it('runs Redis as a primary + replica StatefulSet behind a Service selecting role=primary', () => {
    const sts = find(docs, 'StatefulSet', n('redis'));
    expect(sts.spec.replicas).toBe(2);
    expect(sts.spec.serviceName).toBe(`${n('redis')}-headless`);
    const primary = find(docs, 'Service', `${n('redis')}-primary`);
    expect(primary.spec.selector).toEqual({ ...sts.spec.selector.matchLabels, role: 'primary' });
    expect(sts.spec.template.metadata.labels.role).toBeUndefined();
    const headless = find(docs, 'Service', `${n('redis')}-headless`);
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
  });

  // Where the Redis and PostgreSQL credentials come from and go: credentials.int.test.ts.
  it('bundles PostgreSQL for the profile service', () => {
    find(docs, 'StatefulSet', n('postgresql'));
    expect(envVar(find(docs, 'Deployment', n('profile')), 'DATABASE_URL')?.value).toBe(`postgres://profile@${n('postgresql')}.shop.svc:5432/profile`);
  });

  it('points market-data at the feed simulator', () => {
    expect(envVar(find(docs, 'Deployment', n('market-data')), 'UPSTREAM_URL')?.value).toBe(`http://${n('feed-simulator')}.shop.svc:8080`);
  });

  it('protects the operator, Redis and the replicated services with PodDisruptionBudgets', () => {
    const pdbs = ofKind(docs, 'PodDisruptionBudget').map((p) => p.metadata.name).sort();
    expect(pdbs).toEqual([n('market-data'), n('operator'), n('profile'), n('redis')].sort());
  });

  it('installs sample CachePolicies that target rendered workloads and the rendered Redis', () => {
    const policies = ofKind(docs, 'CachePolicy');
    expect(policies.map((p) => p.metadata.name).sort()).toEqual([n('market-data'), n('profile')]);
    for (const p of policies) {
      find(docs, 'Deployment', p.spec.targetRef.name);
      find(docs, 'StatefulSet', p.spec.redis.statefulSetRef.name);
    }
  });

  it('renders no monitoring objects', () => {
    for (const kind of ['ServiceMonitor', 'PrometheusRule']) expect(ofKind(docs, kind)).toEqual([]);
    expect(docs.filter((d) => d.metadata.labels?.['grafana_dashboard'])).toEqual([]);
  });

  it('labels every object with the instance, and commonLabels when given', () => {
    for (const d of docs) expect(d.metadata.labels?.['app.kubernetes.io/instance'], `${d.kind}/${d.metadata.name}`).toBe('hg');
    const labelled = render({ set: { 'commonLabels.team': 'payments' } });
    for (const d of labelled) expect(d.metadata.labels?.['team'], `${d.kind}/${d.metadata.name}`).toBe('payments');
  });
});

describe('the chart\'s hooks', () => {
  const docs = render();

  it('ships the helm test hook, which checks every Service through the cache to each origin', () => {
    // Regression: a "tests/" line in .helmignore once dropped templates/tests/ from the chart.
    const hook = find(docs, 'Pod', 'hg-herdguard-test-services-answer');
    expect(hook.metadata.annotations?.['helm.sh/hook']).toBe('test');
    const targets = String(hook.spec.containers[0].env[0].value).split(' ');
    expect(targets).toEqual(expect.arrayContaining([
      `http://${n('operator')}-metrics:8080/healthz`, `http://${n('profile')}:8080/users/1`, `http://${n('market-data')}:8080/quotes/SPY`,
    ]));
  });

  it('seeds the bundled PostgreSQL after install and upgrade with the seed CLI the image ships, hardened', () => {
    const job = find(docs, 'Job', n('profile-seed'));
    expect(job.metadata.annotations?.['helm.sh/hook']).toBe('post-install,post-upgrade');
    const c = job.spec.template.spec.containers[0];
    expect(c.args).toEqual(['example-app/profile/seed.js', '--users', '10000']);
    expect(existsSync(join(repoRoot, 'example-app/profile/seed.ts'))).toBe(true);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(job.spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  it('seeds nothing when seedUsers is 0', () => {
    expect(ofKind(render({ set: { 'examples.profile.seedUsers': 0 } }), 'Job').map((j) => j.metadata.name)).not.toContain(n('profile-seed'));
  });
});

describe('the chart with monitoring on', () => {
  const on = {
    'monitoring.serviceMonitors.enabled': true,
    'monitoring.prometheusRules.enabled': true,
    'monitoring.runbookBaseUrl': 'https://git.example.com/platform/herdguard/-/blob/main/runbooks/',
    'monitoring.dashboards.enabled': true,
    'monitoring.labels.release': 'kube-prometheus-stack',
  };

  it('renders ServiceMonitors and the PrometheusRule when the cluster serves their APIs', () => {
    const docs = render({ set: on, apiVersions: MONITORING_APIS });
    const sms = ofKind(docs, 'ServiceMonitor');
    expect(sms.map((s) => s.metadata.name).sort()).toEqual(
      ['feed-simulator', 'market-data', 'operator', 'profile'].map(n),
    );
    for (const sm of sms) {
      expect(sm.metadata.labels?.['release']).toBe('kube-prometheus-stack');
      // The selector must match a rendered Service's labels, or Prometheus scrapes nothing.
      const matched = ofKind(docs, 'Service').filter((s) =>
        Object.entries(sm.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => s.metadata.labels?.[k] === v),
      );
      expect(matched.length, sm.metadata.name).toBeGreaterThan(0);
      const ports = matched.flatMap((s) => s.spec.ports.map((p: { name: string }) => p.name));
      expect(ports, sm.metadata.name).toContain(sm.spec.endpoints[0].port);
    }
  });

  it('carries the generated alert groups unchanged in the PrometheusRule', () => {
    const docs = render({ set: on, apiVersions: MONITORING_APIS });
    const [rule] = ofKind(docs, 'PrometheusRule');
    expect(rule!.metadata.labels?.['release']).toBe('kube-prometheus-stack');
    // Unchanged but for the runbook base: the generated placeholder becomes the deployment's.
    const text = readFileSync(join(chartDir, 'files/alerts/rules.yaml'), 'utf8');
    const source = parse(text.replaceAll(RUNBOOK_BASE_URL, on['monitoring.runbookBaseUrl']));
    const groups = source.groups ?? source.spec.groups;
    expect(groups.length).toBeGreaterThan(0);
    expect(rule!.spec.groups).toEqual(groups);
  });

  it('leaves ServiceMonitors and PrometheusRules out when the cluster lacks their APIs, even if enabled', () => {
    const docs = render({ set: on });
    expect(ofKind(docs, 'ServiceMonitor')).toEqual([]);
    expect(ofKind(docs, 'PrometheusRule')).toEqual([]);
  });

  it('leaves them out when the APIs exist but the values are off', () => {
    const docs = render({ apiVersions: MONITORING_APIS });
    expect(ofKind(docs, 'ServiceMonitor')).toEqual([]);
    expect(ofKind(docs, 'PrometheusRule')).toEqual([]);
  });

  it('ships one grafana_dashboard ConfigMap per dashboard file, holding that file verbatim', () => {
    const docs = render({ set: { ...on, 'monitoring.dashboards.namespace': 'grafana' } });
    const dashboards = docs.filter((d) => d.kind === 'ConfigMap' && d.metadata.labels?.['grafana_dashboard'] === '1');
    const files = readdirSync(join(chartDir, 'files/dashboards')).filter((f) => f.endsWith('.json'));
    expect(dashboards.map((cm) => Object.keys(cm.data as object)[0]).sort()).toEqual(files.sort());
    for (const cm of dashboards) {
      expect(cm.metadata.namespace).toBe('grafana');
      expect(cm.metadata.labels?.['release']).toBe('kube-prometheus-stack');
      const [file, body] = Object.entries(cm.data as Record<string, string>)[0]!;
      expect(body).toBe(readFileSync(join(chartDir, 'files/dashboards', file), 'utf8').replace(/\n+$/, ''));
      expect(() => JSON.parse(body) as unknown).not.toThrow();
    }
  });
});

describe('the chart with the examples off', () => {
  const docs = render({ set: { 'examples.enabled': false } });

  it('renders the operator and Redis only: no services, policies or PostgreSQL', () => {
    const workloads = podSpecs(docs).map((p) => p.owner).sort();
    expect(workloads).toEqual([`Deployment/${n('operator')}`, `StatefulSet/${n('redis')}`]);
    expect(ofKind(docs, 'CachePolicy')).toEqual([]);
    expect(docs.some((d) => d.metadata.name.includes('postgresql'))).toBe(false);
  });
});

describe('the chart with an external database', () => {
  it('passes externalDatabase.url to the profile service and skips the bundled PostgreSQL', () => {
    const url = 'postgres://app:secret@db.example.com:5432/profile';
    const docs = render({ set: { 'postgresql.enabled': false, 'externalDatabase.url': url } });
    expect(docs.some((d) => d.metadata.name.includes('postgresql'))).toBe(false);
    expect(envVar(find(docs, 'Deployment', n('profile')), 'DATABASE_URL')).toEqual({ name: 'DATABASE_URL', value: url });
    // Demo users are for the bundled database only.
    expect(ofKind(docs, 'Job').map((j) => j.metadata.name)).not.toContain(n('profile-seed'));
  });

  it('reads DATABASE_URL from an existing Secret when one is named', () => {
    const docs = render({ set: { 'postgresql.enabled': false, 'externalDatabase.existingSecret': 'profile-db' } });
    expect(envVar(find(docs, 'Deployment', n('profile')), 'DATABASE_URL')?.valueFrom).toEqual({
      secretKeyRef: { name: 'profile-db', key: 'DATABASE_URL' },
    });
  });

  it('refuses to render with no database at all, saying which values to set', () => {
    expect(renderError({ set: { 'postgresql.enabled': false } })).toContain('externalDatabase.url');
  });
});

describe('values validation', () => {
  it('refuses a value of the wrong type with the path of the value', () => {
    expect(renderError({ set: { 'operator.replicas': 'two' } })).toContain('/operator/replicas');
  });

  it('refuses a misspelt key instead of ignoring it', () => {
    expect(renderError({ set: { 'operator.replica': 2 } })).toContain("'replica' not allowed");
  });

  it('refuses two operator replicas without leader election', () => {
    expect(renderError({ set: { 'operator.leaderElection.enabled': false } })).toContain('leaderElection');
  });
});
