/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return --
   live Kubernetes objects are untyped JSON; the assertions below are their type check. */
/**
 * The chart installed for real, as a user installs it: `helm upgrade --install` on the real
 * node (e2e/cluster/node) with the images built here, examples and sample policies on,
 * ServiceMonitors rendered. Then what a user relies on: pods Ready on pod IPs, `helm test`,
 * the NOTES commands, the printer columns, no call refused by RBAC, ServiceMonitors that
 * scrape something.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../e2e/cluster/node/host.js';
import { LOCAL_IMAGES } from '../../e2e/cluster/node/images.js';
import { up, type NodeCluster } from '../../e2e/cluster/node/node.js';
import { FULLNAME, helmValues, mergeValues, RELEASE } from '../../e2e/providers/chart-values.js';
import { LocalCluster } from '../../e2e/providers/local.js';
import { describeEvent, serviceAccountCalls } from '../../e2e/cluster/node/audit-log.js';
import { chartDir, helm } from './helm.js';
import { parseNotes, type PortForwardCommand } from './notes.js';
import { checkServiceMonitors } from './service-monitors.js';

const NS = 'herdguard-release';
const log = (m: string) => console.error(`[release] ${m}`);
/** Pods per component, as installed below: the chart's defaults, with 2 replicas per service to spare the node's 2 cores. */
const EXPECTED = { operator: 2, redis: 2, postgresql: 1, profile: 2, 'market-data': 2, 'feed-simulator': 1 } as const;
const IMAGE: Record<keyof typeof EXPECTED, string> = {
  operator: `${LOCAL_IMAGES.operator}:${LOCAL_IMAGES.tag}`,
  redis: `${LOCAL_IMAGES.redis}:${LOCAL_IMAGES.redisTag}`,
  postgresql: `${LOCAL_IMAGES.postgres}:${LOCAL_IMAGES.postgresTag}`,
  profile: `${LOCAL_IMAGES.services}:${LOCAL_IMAGES.tag}`,
  'market-data': `${LOCAL_IMAGES.services}:${LOCAL_IMAGES.tag}`,
  'feed-simulator': `${LOCAL_IMAGES.services}:${LOCAL_IMAGES.tag}`,
};

let node: NodeCluster;
let helmBin: string;
let since: Date;
let createdMonitoringCrds = false;
const kubectl = (args: string[], input?: string) => node.kubectl(args, input);
const json = async (args: string[]): Promise<any> => JSON.parse(await kubectl([...args, '-o', 'json']));
const helmRun = (args: string[]) => run(helmBin, [...args, '-n', NS, '--kubeconfig', node.kubeconfigPath]);

function values(): Record<string, unknown> {
  const stack = {
    namespace: NS,
    operators: EXPECTED.operator,
    redis: { pods: EXPECTED.redis },
    services: [
      { name: 'profile' as const, replicas: EXPECTED.profile, policySpec: {} },
      { name: 'market-data' as const, replicas: EXPECTED['market-data'], policySpec: {} },
    ],
  };
  // As a user installs it: the sample policies and their seeded users, not the scenarios' own.
  return mergeValues(helmValues(stack, new LocalCluster().imageValues()), {
    // The chart's default seed (the e2e stacks seed their own users and turn it off).
    examples: { samplePolicies: true, profile: { seedUsers: 10_000 } },
    monitoring: { serviceMonitors: { enabled: true } },
  });
}

beforeAll(async () => {
  since = new Date(Date.now() - 1000);
  node = await up(log);
  helmBin = helm();
  createdMonitoringCrds = !(await kubectl(['get', 'crd', '-o', 'name'])).includes('servicemonitors.monitoring.coreos.com');
  await kubectl(['apply', '--server-side', '-f', join(dirname(chartDir), 'tests/fixtures/monitoring-crds.yaml')]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/servicemonitors.monitoring.coreos.com']);
  const file = join(mkdtempSync(join(tmpdir(), 'herdguard-release-')), 'values.json');
  writeFileSync(file, JSON.stringify(values()));
  const t0 = Date.now();
  await helmRun(['upgrade', '--install', RELEASE, chartDir, '--create-namespace', '-f', file, '--wait', '--timeout', '300s']);
  log(`helm upgrade --install: deployed and Ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
});

afterAll(async () => {
  if (!node) return;
  // Normally done by the last test; here for a run that stopped before it.
  await helmRun(['uninstall', RELEASE, '--wait', '--timeout', '120s']).catch((e: unknown) => log(String(e)));
  await kubectl(['delete', 'namespace', NS, '--wait=true', '--timeout=120s', '--ignore-not-found']).catch((e: unknown) => log(String(e)));
  if (createdMonitoringCrds) await kubectl(['delete', '-f', join(dirname(chartDir), 'tests/fixtures/monitoring-crds.yaml')]).catch((e: unknown) => log(String(e)));
});

/** The release's long-running pods (not the hook Jobs' or `helm test`'s). */
async function releasePods(): Promise<any[]> {
  const pods = await json(['get', 'pods', '-n', NS, '-l', `app.kubernetes.io/instance=${RELEASE}`]);
  return pods.items.filter((p: any) => !(p.metadata.ownerReferences ?? []).some((o: any) => o.kind === 'Job') && p.metadata.labels['app.kubernetes.io/component'] !== 'test');
}

describe('the chart installed on the real node', () => {
  it('runs every pod Ready, each on its own pod IP, from the images built here', async () => {
    const pods = await releasePods();
    const rows = pods.map((p) => ({
      pod: p.metadata.name,
      component: p.metadata.labels['app.kubernetes.io/component'] as keyof typeof EXPECTED,
      phase: p.status.phase,
      ready: p.status.conditions?.find((c: any) => c.type === 'Ready')?.status,
      ip: p.status.podIP,
      images: p.spec.containers.map((c: any) => c.image),
      running: (p.status.containerStatuses ?? []).map((c: any) => c.image),
    }));
    console.table(rows.map(({ pod, phase, ready, ip, images }) => ({ pod, phase, ready, ip, image: images.join(' ') })));
    const count: Record<string, number> = {};
    for (const r of rows) count[r.component] = (count[r.component] ?? 0) + 1;
    expect(count).toEqual(EXPECTED);
    for (const r of rows) {
      expect({ pod: r.pod, phase: r.phase, ready: r.ready }).toEqual({ pod: r.pod, phase: 'Running', ready: 'True' });
      expect(r.ip, r.pod).toMatch(/^10\.244\.0\.\d+$/);
      expect(r.images, r.pod).toEqual([IMAGE[r.component]]);
      expect(r.running, `${r.pod}: the runtime reports the image it runs`).toEqual([IMAGE[r.component]]);
    }
    expect(new Set(rows.map((r) => r.ip)).size, 'distinct pod IPs').toBe(rows.length);
  });

  it('passes helm test: every Service answers from inside the cluster, through the cache to each origin', async () => {
    const out = await helmRun(['test', RELEASE, '--logs', '--timeout', '180s']);
    log(out);
    expect(out).toMatch(/Phase:\s+Succeeded/);
    expect(out).not.toContain('FAIL');
    for (const path of ['operator-metrics:8080/healthz', 'profile:8080/readyz', 'profile:8080/users/1', 'market-data:8080/quotes/SPY', 'feed-simulator:8080/healthz']) {
      expect(out).toContain(`ok   http://${FULLNAME}-${path}`);
    }
  });

  it('answers every command the NOTES print, run as printed', async () => {
    const notes = parseNotes(await helmRun(['get', 'notes', RELEASE]));
    expect(notes.kubectl.map((c) => c.line)).toEqual([
      `kubectl -n ${NS} get cachepolicies`,
      `kubectl -n ${NS} get pods -l app.kubernetes.io/instance=${RELEASE} -L role`,
    ]);
    const [policies, pods] = await Promise.all(notes.kubectl.map((c) => kubectl(c.args)));
    log(`${policies}\n${pods}`);
    for (const p of ['profile', 'market-data']) expect(policies).toMatch(new RegExp(`^${FULLNAME}-${p}\\s`, 'm'));
    expect(pods!.split('\n')[0]).toMatch(/\sROLE$/);
    expect(pods!.split('\n').filter((l) => /\sprimary$/.test(l)), 'exactly one Redis pod labelled primary').toHaveLength(1);
    expect(notes.portForwards.map((p) => p.url)).toEqual(['http://localhost:8090/metrics', 'http://localhost:8080/users/1', 'http://localhost:8081/quotes/SPY']);
    for (const pf of notes.portForwards) {
      const { status, body } = await throughPortForward(pf);
      log(`${pf.line}\n  → ${status} ${body.slice(0, 160)}`);
      expect(status, pf.line).toBe(200);
      if (pf.grep) expect(body.split('\n').filter((l) => l.includes(pf.grep!)).length, pf.line).toBeGreaterThan(10);
      else expect(() => JSON.parse(body), `${pf.line} answers JSON`).not.toThrow();
    }
  });

  it("shows the CRD's printer columns in kubectl get cachepolicies, plain and wide", async () => {
    const crd = await json(['get', 'crd', 'cachepolicies.herdguard.io']);
    const columns: { name: string; priority?: number }[] = crd.spec.versions.find((v: any) => v.storage).additionalPrinterColumns;
    const header = async (wide: boolean) =>
      (await kubectl(['get', 'cachepolicies', '-n', NS, ...(wide ? ['-o', 'wide'] : [])])).split('\n')[0]!.trim().split(/\s{2,}/);
    const names = (cs: typeof columns) => ['NAME', ...cs.map((c) => c.name.toUpperCase())];
    expect(await header(false)).toEqual(names(columns.filter((c) => !c.priority)));
    expect(await header(true)).toEqual(names(columns));
    const row = (await kubectl(['get', 'cachepolicy', `${FULLNAME}-profile`, '-n', NS, '--no-headers'])).trim().split(/\s+/);
    const [name, target, desired, applied, primary, ready] = row;
    expect({ name, target, desired, applied, ready }).toEqual({
      name: `${FULLNAME}-profile`, target: `${FULLNAME}-profile`, desired: String(EXPECTED.profile), applied: String(EXPECTED.profile), ready: 'True',
    });
    expect(primary).toMatch(new RegExp(`^${FULLNAME}-redis-\\d$`));
  });

  it('has ServiceMonitors that select Services and ports with ready endpoints', async () => {
    const [monitors, services, slices] = await Promise.all(['servicemonitors', 'services', 'endpointslices'].map((k) => json(['get', k, '-n', NS])));
    const check = checkServiceMonitors(
      monitors.items.map((m: any) => ({
        name: m.metadata.name, namespace: m.metadata.namespace, selector: m.spec.selector,
        matchNames: m.spec.namespaceSelector?.matchNames, ports: m.spec.endpoints.map((e: any) => e.port),
      })),
      services.items.map((s: any) => ({ name: s.metadata.name, namespace: s.metadata.namespace, labels: s.metadata.labels ?? {}, ports: s.spec.ports.map((p: any) => p.name) })),
      slices.items.map((e: any) => ({
        service: e.metadata.labels['kubernetes.io/service-name'], namespace: e.metadata.namespace,
        readyByPort: Object.fromEntries((e.ports ?? []).map((p: any) => [p.name, (e.endpoints ?? []).filter((x: any) => x.conditions?.ready).length])),
      })),
    );
    console.table(check.targets);
    expect(check.problems).toEqual([]);
    expect(check.targets.map((t) => `${t.monitor} → ${t.service}:${t.port}`).sort()).toEqual(
      ['feed-simulator', 'market-data', 'operator', 'profile'].map((c) => `${FULLNAME}-${c} → ${FULLNAME}-${c}${c === 'operator' ? '-metrics:metrics' : ':http'}`),
    );
  });

  it('has no call by the operator or a service refused by RBAC, after a policy change and traffic', async () => {
    await changeProfilePolicy();
    await callServices();
    // The audit backend writes each event as its request completes; give the last ones a moment.
    await sleep(2000);
    const { calls, forbidden } = await auditSince(since);
    // The log must cover the release's clients, or "no 403" would prove nothing.
    for (const sa of ['operator', 'profile', 'market-data']) expect(calls[`${FULLNAME}-${sa}`] ?? 0, sa).toBeGreaterThan(0);
    expect(forbidden.map(describeEvent)).toEqual([]);
  });

  it('uninstalls without leaving a CachePolicy or rendered ConfigMap behind, with no cleanup call refused by RBAC', async () => {
    const from = new Date();
    await helmRun(['uninstall', RELEASE, '--wait', '--timeout', '120s']);
    // Regression: the operator lost its Role mid-cleanup and its finalizer hung the policies (and the namespace).
    expect((await kubectl(['get', 'cachepolicies,configmaps', '-n', NS, '-o', 'name'])).trim().split('\n')).toEqual(['configmap/kube-root-ca.crt']);
    await kubectl(['delete', 'namespace', NS, '--wait=true', '--timeout=120s']);
    await sleep(2000);
    // A stopping operator's last Lease poll can race the deletion of its Role (helm deletes
    // both at once): refused, harmless, it is leaving. Every cleanup call must have passed.
    const refused = (await auditSince(from)).forbidden.filter((e) => !/\/leases\/[^/]+$/.test(e.requestURI) || e.verb !== 'get');
    expect(refused.map(describeEvent)).toEqual([]);
  });
});

async function auditSince(from: Date): Promise<Awaited<ReturnType<typeof serviceAccountCalls>>> {
  const dir = dirname(node.layout.auditLog);
  const files = readdirSync(dir).filter((f) => /^audit.*\.log$/.test(f)).sort().map((f) => join(dir, f));
  const r = await serviceAccountCalls(files, NS, from);
  log(`API calls by ServiceAccount of ${NS} since ${from.toISOString()}: ${JSON.stringify(r.calls)}; 403: ${r.forbidden.length}`);
  for (const e of r.forbidden) log(`FORBIDDEN ${describeEvent(e)}`);
  return r;
}

/** Runs a NOTES port-forward line's kubectl, then fetches what its curl fetches. */
async function throughPortForward(pf: PortForwardCommand): Promise<{ status: number; body: string }> {
  const child = spawn(join(node.binDir, 'kubectl'), [...pf.args, '--kubeconfig', node.kubeconfigPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stdout.on('data', (d: Buffer) => d.toString().includes('Forwarding from') && resolve());
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.once('exit', (code) => reject(new Error(`${pf.line}: kubectl port-forward exited (${code}): ${err.trim()}`)));
      setTimeout(() => reject(new Error(`${pf.line}: no "Forwarding from" within 20s`)), 20_000).unref();
    });
    const res = await fetch(pf.url, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: await res.text() };
  } finally {
    child.kill('SIGTERM');
  }
}

/** A live policy change: the operator renders it and every profile pod applies it. */
async function changeProfilePolicy(): Promise<void> {
  const name = `${FULLNAME}-profile`;
  await kubectl(['patch', 'cachepolicy', name, '-n', NS, '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/keyspaces/0/ttl', value: '90s' }])]);
  const generation = Number(await kubectl(['get', 'cachepolicy', name, '-n', NS, '-o', 'jsonpath={.metadata.generation}']));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const cp = await json(['get', 'cachepolicy', name, '-n', NS]);
    const applied = cp.status?.conditions?.find((c: any) => c.type === 'PolicyApplied');
    if (applied?.status === 'True' && applied.observedGeneration === generation) return log(`${name} generation ${generation} applied: ${applied.message}`);
    if (Date.now() > deadline) throw new Error(`${name} generation ${generation} not applied within 60s: ${JSON.stringify(cp.status)}`);
    await sleep(500);
  }
}

/** Traffic through every service pod, directly on its pod IP. */
async function callServices(): Promise<void> {
  const pods = (await releasePods()).filter((p) => ['profile', 'market-data'].includes(p.metadata.labels['app.kubernetes.io/component']));
  for (const p of pods) {
    const paths = p.metadata.labels['app.kubernetes.io/component'] === 'profile' ? ['/users/1', '/users/2', '/users/3'] : ['/quotes/SPY', '/quotes/AAPL'];
    for (const path of paths) {
      const res = await fetch(`http://${p.status.podIP}:8080${path}`, { signal: AbortSignal.timeout(5000) });
      expect(res.status, `${p.metadata.name} ${path}`).toBe(200);
    }
  }
}
