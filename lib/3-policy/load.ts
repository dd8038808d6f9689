import { parse as parseYaml } from 'yaml';
import { PolicyInvalidError } from '../1-ground/errors.js';
import { parseDuration } from '../1-ground/duration.js';
import { checkStructure, specProblems } from './problems.js';
import { renderedEnvelopeProblems } from './rendered.js';
import { crossFieldRules } from './rules.js';
import type { CachePolicy, KeyspacePolicy, RedisMode, RenderedPolicy } from './types.js';

type Obj = Record<string, unknown>;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Validates a CachePolicy name the way the API server does (DNS subdomain, then the CRD's root rules). */
export function validatePolicyName(name: string): string[] {
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    return [`metadata.name: ${JSON.stringify(name)} is not accepted; expected a lowercase DNS subdomain`];
  }
  const self = { metadata: { name } };
  return crossFieldRules.filter((r) => r.at === 'root' && !r.holds(self)).map((r) => `metadata.name: ${r.message}`);
}

/** Validates a whole CachePolicy (name and spec), as the API server does on create. */
export function validatePolicy(p: { metadata: { name: string }; spec: unknown }): string[] {
  return [...validatePolicyName(p.metadata.name), ...validatePolicySpec(p.spec)];
}

/** Validates a spec the way the API server does; returns every problem, named by path. */
export function validatePolicySpec(spec: unknown): string[] {
  return specProblems(spec).map((p) => p.text);
}

const d = (v: unknown): number => parseDuration(String(v)) as number;

function toKeyspace(k: Obj): KeyspacePolicy {
  const c = k['coalescing'] as Obj;
  const l1 = k['l1'] as Obj;
  const hot = k['hotKeys'] as Obj | undefined;
  const early = k['earlyRefresh'] as Obj | undefined;
  return {
    prefix: k['prefix'] as string,
    ttlMs: d(k['ttl']),
    jitterMaxMs: k['jitter'] ? d((k['jitter'] as Obj)['max']) : 0,
    coalescing: {
      local: c['local'] as boolean,
      distributed: c['distributed'] as boolean,
      leaseTtlMs: d(c['leaseTTL']),
      waitTimeoutMs: d(c['waitTimeout']),
    },
    earlyRefreshBeta: early ? Number(early['beta']) : null,
    staleWhileRevalidateMs: d(k['staleWhileRevalidate']),
    staleIfErrorMs: d(k['staleIfError']),
    negativeTtlMs: d(k['negativeTTL']),
    originTimeoutMs: d(k['originTimeout']),
    l1: { maxEntries: l1['maxEntries'] as number, ttlMs: d(l1['ttl']) },
    hotKeys: hot
      ? { threshold: hot['threshold'] as number, windowMs: d(hot['window']), replicas: hot['replicas'] as number }
      : null,
  };
}

/** Parses and validates a spec into the runtime policy; throws PolicyInvalidError listing every problem. */
export function parsePolicySpec(spec: unknown, meta: { name?: string; generation?: number } = {}): CachePolicy {
  const problems = validatePolicySpec(spec);
  if (problems.length) throw new PolicyInvalidError(problems);
  const s = withDefaults(spec as Obj);
  const origin = s['origin'] as Obj;
  const warmup = s['warmup'] as Obj;
  const redis = s['redis'] as Obj;
  const failover = redis['failover'] as Obj;
  return {
    name: meta.name ?? 'local',
    generation: meta.generation ?? 0,
    targetRef: s['targetRef'] as CachePolicy['targetRef'],
    keyspaces: (s['keyspaces'] as Obj[]).map(toKeyspace),
    origin: {
      maxConcurrency: origin['maxConcurrency'] as number,
      maxQueue: origin['maxQueue'] as number,
      failureThreshold: origin['failureThreshold'] as number,
      resetAfterMs: d(origin['resetAfter']),
    },
    warmup: {
      onColdRedis: warmup['onColdRedis'] as boolean,
      topKeys: warmup['topKeys'] as number,
      ratePerSecond: warmup['ratePerSecond'] as number,
      batchSize: warmup['batchSize'] as number,
    },
    redis: {
      statefulSetName: ((redis['statefulSetRef'] as Obj | undefined)?.['name'] as string | undefined) ?? null,
      mode: redis['mode'] as RedisMode,
      failover: {
        enabled: failover['enabled'] as boolean,
        detectAfterMs: d(failover['detectAfter']),
        checkIntervalMs: d(failover['checkInterval']),
      },
    },
  };
}

/**
 * A copy of a valid spec with every default filled from the schema, its one source of
 * defaults. Ajv, like the API server, defaults only fields of objects that exist, so the
 * optional blocks that carry defaults are created empty first.
 */
function withDefaults(spec: Obj): Obj {
  const s = structuredClone(spec);
  s['origin'] ??= {};
  s['warmup'] ??= {};
  const redis = (s['redis'] ??= {}) as Obj;
  redis['failover'] ??= {};
  for (const k of s['keyspaces'] as Obj[]) {
    k['coalescing'] ??= {};
    k['l1'] ??= {};
  }
  checkStructure(s); // fills the defaults
  return s;
}

/**
 * Parses a policy file: either a RenderedPolicy (what the operator writes) or a bare
 * CachePolicy manifest / spec written by hand, in JSON or YAML.
 */
export function parsePolicyDocument(text: string): { policy: CachePolicy; rendered: RenderedPolicy | null } {
  let doc: unknown;
  try {
    doc = parseYaml(text); // YAML is a superset of JSON
  } catch (cause) {
    throw new PolicyInvalidError(['the policy file is neither valid JSON nor valid YAML'], { cause });
  }
  if (typeof doc !== 'object' || doc === null) {
    throw new PolicyInvalidError(['the policy file must hold an object: a RenderedCachePolicy, a CachePolicy or its spec']);
  }
  const o = doc as Obj;
  if (o['kind'] === 'RenderedCachePolicy') return parseRendered(o);
  if (o['kind'] === 'CachePolicy') {
    const meta = (o['metadata'] ?? {}) as Obj;
    if (typeof meta['name'] === 'string') {
      const bad = validatePolicyName(meta['name']);
      if (bad.length) throw new PolicyInvalidError(bad);
    }
    const policy = parsePolicySpec(o['spec'], {
      name: (meta['name'] as string | undefined) ?? 'local',
      generation: (meta['generation'] as number | undefined) ?? 0,
    });
    return { policy, rendered: null };
  }
  return { policy: parsePolicySpec(o), rendered: null };
}

function parseRendered(o: Obj): { policy: CachePolicy; rendered: RenderedPolicy } {
  const envelope = renderedEnvelopeProblems(o);
  if (typeof o['policy'] === 'string' && o['policy'] !== '') envelope.push(...validatePolicyName(o['policy']));
  if (envelope.length) throw new PolicyInvalidError(envelope);
  const r = o as unknown as RenderedPolicy;
  const policy = parsePolicySpec(r.spec, { name: r.policy, generation: r.generation });
  // The operator renders both from one policy; a document where they differ was not written by it.
  const mode = r.redis?.mode ?? 'standalone';
  if (r.redis && mode !== policy.redis.mode) {
    throw new PolicyInvalidError([`redis.mode: rendered for ${mode} but spec.redis.mode is ${policy.redis.mode}; expected the two to agree`]);
  }
  return { policy, rendered: r };
}

/** The keyspace governing a key: longest matching prefix, or undefined. */
export function keyspaceFor(policy: CachePolicy, key: string): KeyspacePolicy | undefined {
  let best: KeyspacePolicy | undefined;
  for (const k of policy.keyspaces) {
    if (key.startsWith(k.prefix) && (!best || k.prefix.length > best.prefix.length)) best = k;
  }
  return best;
}
