/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access --
   rendered Kubernetes objects are untyped YAML; the assertions below are their type check. */
/**
 * Test helpers: the real helm binary (scripts/ensure-helm.sh), rendering the chart with
 * values, and finding rendered objects by kind and name.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { mergeValues } from '../../e2e/providers/chart-values.js';
import { chartDir, repoRoot } from '../tools/sync.js';

export { chartDir, repoRoot };

let helmPath: string | undefined;
export function helm(): string {
  helmPath ??= execFileSync('bash', [join(repoRoot, 'scripts/ensure-helm.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return helmPath;
}

export interface Rendered {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: any;
}

export interface RenderOptions {
  set?: Record<string, string | number | boolean>;
  /** Nested values, each top-level key passed as one --set-json. */
  values?: Record<string, unknown>;
  apiVersions?: string[];
  namespace?: string;
  release?: string;
  /** false: render without TEST_CREDENTIALS (the chart then refuses to render). */
  credentials?: boolean;
  /** Passed to `helm template` as they are (e.g. --dry-run=server and --kubeconfig, so `lookup` asks a cluster). */
  helmArgs?: string[];
}

/**
 * The chart never generates passwords (docs/adr/0009): every render needs them, so tests pass
 * these unless they say otherwise. `values` are merged over them.
 */
export const TEST_CREDENTIALS = {
  redis: { auth: { passwords: { services: 'test-services-pw', operator: 'test-operator-pw', replication: 'test-replication-pw', probe: 'test-probe-pw' } } },
  postgresql: { auth: { password: 'test-postgres-pw' } },
};

export const MONITORING_APIS = ['monitoring.coreos.com/v1/ServiceMonitor', 'monitoring.coreos.com/v1/PrometheusRule'];

function templateArgs(o: RenderOptions): string[] {
  const args = ['template', o.release ?? 'hg', chartDir, '--namespace', o.namespace ?? 'shop'];
  for (const [k, v] of Object.entries(o.set ?? {})) args.push('--set', `${k}=${String(v)}`);
  const values = o.credentials === false ? (o.values ?? {}) : mergeValues(TEST_CREDENTIALS, o.values ?? {});
  for (const [k, v] of Object.entries(values)) args.push('--set-json', `${k}=${JSON.stringify(v)}`);
  for (const a of o.apiVersions ?? []) args.push('--api-versions', a);
  args.push(...(o.helmArgs ?? []));
  return args;
}

/** `helm template` output as text; throws with helm's stderr when rendering fails. */
export function renderText(o: RenderOptions = {}): string {
  const r = spawnSync(helm(), templateArgs(o), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr.trim()}`);
  return r.stdout;
}

export function render(o: RenderOptions = {}): Rendered[] {
  return parseAllDocuments(renderText(o))
    .map((d) => {
      if (d.errors.length) throw new Error(`rendered YAML does not parse: ${d.errors[0]!.message}`);
      return d.toJS() as Rendered | null;
    })
    .filter((d): d is Rendered => d !== null);
}

export function renderError(o: RenderOptions): string {
  const r = spawnSync(helm(), templateArgs(o), { encoding: 'utf8' });
  if (r.status === 0) throw new Error('expected helm template to fail, it succeeded');
  return r.stderr;
}

export const ofKind = (docs: Rendered[], kind: string) => docs.filter((d) => d.kind === kind);

export function find(docs: Rendered[], kind: string, name: string): Rendered {
  const d = docs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!d) throw new Error(`no ${kind} ${name} rendered; have ${docs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return d;
}

/** Every pod template in the rendered workloads, with its owner's kind/name. */
export function podSpecs(docs: Rendered[]): Array<{ owner: string; spec: any }> {
  return docs
    .filter((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet')
    .map((d) => ({ owner: `${d.kind}/${d.metadata.name}`, spec: d.spec.template.spec }));
}
