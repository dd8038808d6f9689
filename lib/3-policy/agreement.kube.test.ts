/**
 * The CRD and its TypeScript twin agree. Random CachePolicies, biased toward every bound of
 * every rule, go to a real kube-apiserver (server-side dry-run creates with strict field
 * validation, so unknown fields are refused as the twin does) and to validatePolicy: each must be accepted by both or refused by both, and
 * where the twin names a cross-field rule, the API server's refusal carries the same words.
 */
import { Agent, request, type RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCrdYaml } from '../../crds/generate.js';
import { startControlPlane, type ControlPlane } from '../../testkit/control-plane/control-plane.js';
import { validatePolicy } from './load.js';
import { crossFieldRules } from './rules.js';
import { GROUP, KIND, PLURAL, VERSION } from './crd.js';
import { randomPolicies, type RandomPolicy } from './random-specs.test-helpers.js';

const NS = 'hg-agree';
const SPECS = 1200;
const CONCURRENCY = 6;
const SEED = Number(process.env['HERDGUARD_AGREEMENT_SEED'] ?? Date.now() % 2_147_483_647);
const BETA_MESSAGE = 'earlyRefresh.beta must be > 0 and <= 10';

let cp: ControlPlane;
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** The API server's answer to one server-side dry-run create with strict field validation. */
interface ApiVerdict {
  readonly accepted: boolean;
  /** The Status message of a refusal. */
  readonly message: string;
}

async function dryRunCreate(kc: KubeConfig, p: RandomPolicy): Promise<ApiVerdict> {
  const url = new URL(`/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}?dryRun=All&fieldValidation=Strict`, cp.server);
  const body = JSON.stringify({ apiVersion: `${GROUP}/${VERSION}`, kind: KIND, metadata: { name: p.metadata.name, namespace: NS }, spec: p.spec });
  const opts: RequestOptions = { method: 'POST', agent, headers: { 'Content-Type': 'application/json', Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(url, opts, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
  if (status === 201 || status === 200) return { accepted: true, message: '' };
  if (status !== 422 && status !== 400) throw new Error(`unexpected ${status} from the API server: ${text.slice(0, 300)}`);
  return { accepted: false, message: (JSON.parse(text) as { message?: string }).message ?? text };
}

/** Sends every policy, a few at a time (the API server and this process share two cores). */
async function apiVerdicts(kc: KubeConfig, policies: readonly RandomPolicy[]): Promise<ApiVerdict[]> {
  const out: ApiVerdict[] = new Array<ApiVerdict>(policies.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < policies.length; i = next++) out[i] = await dryRunCreate(kc, policies[i] as RandomPolicy);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return out;
}

const crossField = (problem: string): string | undefined =>
  [...crossFieldRules.map((r) => r.message), BETA_MESSAGE].find((m) => problem.endsWith(`: ${m}`));

beforeAll(async () => {
  cp = await startControlPlane();
  await cp.kubectl(['apply', '-f', '-'], renderCrdYaml());
  await cp.kubectl(['wait', '--for', 'condition=established', '--timeout=60s', `crd/${PLURAL}.${GROUP}`]);
  await cp.kubectl(['create', 'namespace', NS]);
});

afterAll(async () => {
  agent.destroy();
  await cp?.stop();
});

describe('the CachePolicy CRD and its TypeScript twin', () => {
  it(`accept and refuse exactly the same ${SPECS} random policies, biased toward every bound`, async () => {
    const policies = randomPolicies(SPECS, SEED);
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    const started = Date.now();
    const verdicts = await apiVerdicts(kc, policies);
    const disagreements: string[] = [];
    const messageMismatches: string[] = [];
    const rulesRefused = new Set<string>();
    let accepted = 0;
    policies.forEach((p, i) => {
      const api = verdicts[i] as ApiVerdict;
      const problems = validatePolicy(p);
      if (api.accepted !== (problems.length === 0)) {
        disagreements.push(`${JSON.stringify(p)}\n  twin: ${problems.join('; ') || 'accepted'}\n  api: ${api.accepted ? 'accepted' : api.message}`);
        return;
      }
      if (api.accepted) accepted++;
      const rules = problems.map(crossField);
      if (problems.length === 0 || rules.some((r) => r === undefined)) return; // structural: wording differs by design
      for (const rule of rules as string[]) {
        rulesRefused.add(rule);
        if (!api.message.includes(rule)) messageMismatches.push(`${p.metadata.name}: the API server did not say "${rule}": ${api.message}`);
      }
    });
    const refused = policies.length - accepted - disagreements.length;
    console.info(
      `agreement (seed ${SEED}): ${policies.length} specs, ${accepted} accepted and ${refused} refused by both, ` +
        `${disagreements.length} disagreements; ${rulesRefused.size} cross-field rules seen refusing alone; ${Date.now() - started} ms`,
    );
    expect(disagreements).toEqual([]);
    expect(messageMismatches).toEqual([]);
    // The bias works: both outcomes are common, and every cross-field rule was met.
    expect(accepted).toBeGreaterThan(SPECS * 0.08);
    expect(refused).toBeGreaterThan(SPECS * 0.1);
    expect([...rulesRefused].sort()).toEqual([...crossFieldRules.map((r) => r.message), BETA_MESSAGE].sort());
  });
});
