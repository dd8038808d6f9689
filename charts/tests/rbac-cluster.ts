/**
 * The chart's RBAC and admission policies installed for real on the local control plane,
 * with pods standing in for the release's (no kubelet runs them), and three ways to act as
 * a ServiceAccount: raw requests with impersonation headers (any body, to prove denials),
 * `kubectl auth can-i`, and a real token (the code's own client, to prove what it needs works).
 */
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import type { ControlPlane } from '../../testkit/control-plane/control-plane.js';
import { HttpKubeClient } from '../../lib/2-kube/client.js';
import { chartDir, renderText } from './helm.js';

export const RELEASE = 'hg';
export const name = (c: string): string => `${RELEASE}-herdguard-${c}`;
/** A ConfigMap someone else created in the namespace, with no herdguard-operator label. */
export const FOREIGN_CONFIGMAP = 'someone-elses-config';
export const serviceAccount = (ns: string, c: string): string => `system:serviceaccount:${ns}:${name(c)}`;
const EXTRA_POD_NAME = 'authentication.kubernetes.io/pod-name';

export interface Answer {
  status: number;
  message: string;
}

export interface Caller {
  /** One API request as this identity; `contentType` defaults to a JSON merge patch. */
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<Answer>;
}

/** Acts as `user` through the admin's impersonation rights; `podName` as a pod-bound token would carry it. */
export function impersonate(cp: ControlPlane, user: string, podName?: string): Caller {
  const ns = user.split(':')[2] ?? '';
  const headers: Record<string, string | string[]> = {
    'Impersonate-User': user,
    'Impersonate-Group': ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
    ...(podName ? { [`Impersonate-Extra-${encodeURIComponent(EXTRA_POD_NAME)}`]: podName } : {}),
  };
  return {
    call: (method, path, body, contentType = 'application/merge-patch+json') =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
        const req = request(new URL(path, cp.server), {
          method,
          ca: readFileSync(join(cp.dir, 'ca.crt')),
          cert: readFileSync(join(cp.dir, 'admin.crt')),
          key: readFileSync(join(cp.dir, 'admin.key')),
          headers: { ...headers, Accept: 'application/json', ...(payload === undefined ? {} : { 'Content-Type': contentType }) },
          timeout: 10_000,
        }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => {
            let message = '';
            try {
              message = (JSON.parse(text) as { message?: string }).message ?? '';
            } catch {
              message = text.slice(0, 300);
            }
            resolve({ status: res.statusCode ?? 0, message });
          });
        });
        req.on('error', reject);
        req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer`)));
        req.end(payload);
      }),
  };
}

/**
 * `kubectl auth can-i` as `user`: true for "yes" (it exits 1 for "no"). `resource` is
 * `type[.group][/name]`; a subresource is written `type[.group]#sub` (can-i takes it as a flag).
 */
export async function canI(cp: ControlPlane, user: string, verb: string, resource: string, ns: string): Promise<boolean> {
  const [res, sub] = resource.split('#') as [string, string?];
  try {
    const args = ['auth', 'can-i', verb, res, '-n', ns, `--as=${user}`, ...(sub ? [`--subresource=${sub}`] : [])];
    return (await cp.kubectl(args)).trim() === 'yes';
  } catch {
    return false;
  }
}

/** A real ServiceAccount token (bound to a pod when given), and the code's own client using it. */
export async function tokenClient(cp: ControlPlane, ns: string, component: string, boundPod?: string): Promise<HttpKubeClient> {
  const bind = boundPod ? ['--bound-object-kind', 'Pod', '--bound-object-name', boundPod] : [];
  const token = (await cp.kubectl(['create', 'token', name(component), '-n', ns, ...bind])).trim();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: cp.server, caFile: join(cp.dir, 'ca.crt') }],
    users: [{ name: 'sa', token }],
    contexts: [{ name: 'c', cluster: 'c', user: 'sa', namespace: ns }],
    currentContext: 'c',
  });
  return new HttpKubeClient({ kubeConfig: kc, userAgent: `herdguard-${component}` });
}

/** The pods a running release would have, by name, with their selector labels (plus a stranger). */
export function standInPods(ns: string): Record<string, { labels: Record<string, string>; serviceAccount?: string }> {
  const of = (component: string) => ({ 'app.kubernetes.io/name': 'herdguard', 'app.kubernetes.io/instance': RELEASE, 'app.kubernetes.io/component': component });
  return {
    [name('redis-0')]: { labels: { ...of('redis'), role: 'primary' } },
    [name('redis-1')]: { labels: of('redis') },
    // Named like the third Redis pod the Role names, but not one: the admission policy must refuse it.
    [name('redis-2')]: { labels: of('profile') },
    [name('profile-7d9f8-aaaaa')]: { labels: of('profile'), serviceAccount: name('profile') },
    [name('profile-7d9f8-bbbbb')]: { labels: of('profile'), serviceAccount: name('profile') },
    [name('market-data-5c6b7-ccccc')]: { labels: of('market-data'), serviceAccount: name('market-data') },
    [`stranger-${ns}`]: { labels: { app: 'stranger' } },
  };
}

/**
 * Installs the chart's CRD, then everything `helm template` renders (3 Redis pods named in the
 * operator's Role), then the stand-in pods and a foreign ConfigMap, into a new namespace.
 */
export async function installRelease(cp: ControlPlane, ns: string): Promise<void> {
  await cp.kubectl(['apply', '-f', join(chartDir, 'crds')]);
  await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  await cp.kubectl(['create', 'namespace', ns]);
  await cp.kubectl(['apply', '-f', '-'], renderText({ namespace: ns, release: RELEASE, set: { 'redis.replicas': 3 } }));
  const pods = Object.entries(standInPods(ns)).map(([podName, p]) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: podName, namespace: ns, labels: p.labels },
    spec: { ...(p.serviceAccount ? { serviceAccountName: p.serviceAccount } : {}), containers: [{ name: 'main', image: 'registry.example/app:1' }] },
  }));
  const foreign = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: FOREIGN_CONFIGMAP, namespace: ns, labels: { app: 'billing' } }, data: { k: 'v' } };
  await cp.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...pods, foreign] }));
  await policiesActive(cp, ns);
}

/** The API server loads new admission policies asynchronously: wait until each binding refuses what it must. */
async function policiesActive(cp: ControlPlane, ns: string): Promise<void> {
  const probes: Array<[Caller, string, unknown]> = [
    [impersonate(cp, serviceAccount(ns, 'profile'), 'elsewhere'), `/api/v1/namespaces/${ns}/pods/${name('profile-7d9f8-aaaaa')}`, { metadata: { annotations: { probe: 'x' } } }],
    [impersonate(cp, serviceAccount(ns, 'operator')), `/api/v1/namespaces/${ns}/pods/${name('redis-2')}`, { metadata: { labels: { probe: 'x' } } }],
    [impersonate(cp, serviceAccount(ns, 'operator')), `/api/v1/namespaces/${ns}/configmaps/${FOREIGN_CONFIGMAP}`, { metadata: { labels: { probe: 'x' } } }],
  ];
  for (const [caller, path, body] of probes) {
    for (let t0 = Date.now(); ; await sleep(200)) {
      const a = await caller.call('PATCH', path, body);
      if (a.status === 403 && a.message.includes('ValidatingAdmissionPolicy')) break;
      // Admitted (2xx) means the policy is not loaded yet: the probe's change is harmless, so try again.
      if (Date.now() - t0 > 30_000) throw new Error(`admission policies not active after 30 s: ${a.status} ${a.message}`);
    }
  }
}
