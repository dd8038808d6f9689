/**
 * Checks the envelope of a RenderedCachePolicy before a service trusts it. The spec inside
 * is checked like any CachePolicy spec; the fields around it are the operator's contract:
 * `policy` and `generation` are echoed back to the operator, `redis.primary` is dialled at
 * once and `redis.epoch` decides whether recent writes are distrusted. A malformed value
 * there must be refused, not turned into NaN or an unparseable URL mid-apply. A Redis
 * Cluster (`redis.mode: cluster`) has no primary to dial and no epoch: the cluster fails over
 * by itself, so the operator only passes warmup requests on.
 */
import { parse as parseYaml } from 'yaml';
import type { PolicyIdentity } from './source.js';
import { REDIS_MODES, type CachePolicy, type RedisMode } from './types.js';

type Obj = Record<string, unknown>;

const LABEL = '[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const IPV4 = /^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;
const IPV6 = /^\[[0-9A-Fa-f:.]{2,45}\]$/;
const PORT = /^([1-9][0-9]{0,4})$/;

/** Whether `s` is `host` or `host:port` (hostname, IPv4 or [IPv6]), with nothing else: no scheme, user or path. */
export function isRedisAddress(s: string): boolean {
  const m = /^(\[[^\]]*\]|[^:]+)(?::([^:]*))?$/.exec(s);
  if (!m) return false;
  const host = m[1] as string;
  const port = m[2];
  const hostOk = host.length <= 253 && (IPV6.test(host) || IPV4.test(host) || (HOSTNAME.test(host) && !/^[0-9.]+$/.test(host)));
  const portOk = port === undefined || (PORT.test(port) && Number(port) <= 65_535);
  return hostOk && portOk;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Every problem with the envelope of a rendered policy, named by field; [] when it can be trusted. */
export function renderedEnvelopeProblems(doc: Obj): string[] {
  const problems: string[] = [];
  if (typeof doc['policy'] !== 'string' || doc['policy'] === '') problems.push('policy: expected the CachePolicy name, a non-empty string');
  if (!isCount(doc['generation'])) {
    problems.push(`generation: expected a non-negative integer, got ${typeof doc['generation']}`);
  }
  const redis = doc['redis'];
  if (redis === undefined) return problems;
  if (typeof redis !== 'object' || redis === null) return [...problems, 'redis: expected an object'];
  const r = redis as Obj;
  const mode = r['mode'];
  if (mode !== undefined && !(REDIS_MODES as readonly unknown[]).includes(mode)) {
    return [...problems, `redis.mode: expected one of ${REDIS_MODES.join(', ')}`];
  }
  if (mode === 'cluster') return [...problems, ...clusterProblems(r)];
  if (typeof r['primary'] !== 'string' || !isRedisAddress(r['primary'])) {
    problems.push('redis.primary: expected host or host:port (a hostname, IPv4 or [IPv6] address, port 1-65535)');
  }
  if (!isCount(r['epoch'])) problems.push('redis.epoch: expected a non-negative integer');
  return problems;
}

function clusterProblems(r: Obj): string[] {
  const problems: string[] = [];
  if (r['primary'] !== undefined) problems.push('redis.primary: expected none with redis.mode cluster (a Redis Cluster has no single primary)');
  if (r['epoch'] !== 0) problems.push('redis.epoch: expected 0 with redis.mode cluster (nobody promotes a Redis Cluster)');
  return problems;
}

/**
 * Why a service must not apply `policy` with a Redis client of kind `client`, or null when
 * they match: a standalone client on a cluster meets MOVED on most keys, and a cluster client
 * cannot follow the primary the operator publishes for a standalone Redis.
 */
export function redisModeMismatch(policy: Pick<CachePolicy, 'redis'>, client: RedisMode): string | null {
  const want = policy.redis.mode;
  if (want === client) return null;
  return `spec.redis.mode is ${want} but this service runs a ${client} Redis client; expected a ${want} client (createRedisClusterClient for cluster, createRedisClient for standalone)`;
}

/**
 * Which generation a policy document claims to be, read even when the document is refused,
 * so the refusal can be reported against it. Null when it does not say (or cannot be read).
 */
export function documentIdentity(text: string): PolicyIdentity | null {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null) return null;
  const o = doc as Obj;
  const meta = (o['kind'] === 'CachePolicy' ? o['metadata'] : o) as Obj | undefined;
  const policy = o['kind'] === 'CachePolicy' ? meta?.['name'] : o['kind'] === 'RenderedCachePolicy' ? o['policy'] : undefined;
  const generation = meta?.['generation'] ?? 0;
  return typeof policy === 'string' && policy !== '' && isCount(generation) ? { policy, generation } : null;
}
