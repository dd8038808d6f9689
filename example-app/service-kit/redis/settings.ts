/**
 * What a service reads about its Redis from its environment and its policy: REDIS_URL (the
 * first node, and the scheme and credentials every later node is dialled with), the primary
 * and promotion epoch the operator publishes in `rendered.redis`, and the failover timing
 * of the parsed policy.
 */
import { DEFAULT_FAILOVER } from '../../../lib/3-policy/defaults.js';
import type { CachePolicy, FailoverPolicy, RenderedPolicy } from '../../../lib/3-policy/types.js';
import { readWarmup, type WarmupRequest } from '../../../lib/3-policy/warmup.js';

export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

export function parseAddress(s: string): RedisAddress {
  const u = new URL(s.includes('://') ? s : `redis://${s}`);
  return { host: u.hostname, port: u.port === '' ? 6379 : Number(u.port) };
}

export const sameAddress = (a: RedisAddress, b: RedisAddress): boolean => a.host === b.host && a.port === b.port;

/**
 * The URL of another node of the same Redis: REDIS_URL with its host and port replaced, so
 * the credentials, database and scheme it carries (AUTH from a Secret) follow every switch.
 */
export function urlForAddress(initialUrl: string, addr: RedisAddress): string {
  const u = new URL(initialUrl.includes('://') ? initialUrl : `redis://${initialUrl}`);
  u.hostname = addr.host;
  u.port = String(addr.port);
  return u.toString();
}

/** Where Redis stands in the rendered policy: primary address, promotion epoch, cold-start warmup. */
export interface RenderedRedis {
  readonly primary: RedisAddress;
  readonly epoch: number;
  readonly warmup: WarmupRequest | null;
}

/**
 * The cold-Redis warmup the operator asks for, standalone or cluster (a cluster's rendering
 * names no primary, only the request). Null when there is none or it cannot be read.
 */
export function renderedWarmup(rendered: RenderedPolicy | null): WarmupRequest | null {
  const r = rendered?.redis as Record<string, unknown> | undefined;
  return r ? readWarmup(r['warmup']) : null;
}

/** Reads `rendered.redis` defensively: a missing or odd field means "no instruction". */
export function renderedRedis(rendered: RenderedPolicy | null): RenderedRedis | null {
  const r = rendered?.redis as (Record<string, unknown> & { primary?: unknown; epoch?: unknown }) | undefined;
  if (!r || typeof r.primary !== 'string' || r.primary === '') return null;
  return { primary: parseAddress(r.primary), epoch: Number(r.epoch ?? 0), warmup: readWarmup(r['warmup']) };
}

export type FailoverTiming = Pick<FailoverPolicy, 'detectAfterMs' | 'checkIntervalMs'>;

/** The policy's failover timing; before the first policy arrives, the defaults every policy starts from. */
export function failoverTiming(policy: CachePolicy | null): FailoverTiming {
  const { detectAfterMs, checkIntervalMs } = policy?.redis.failover ?? DEFAULT_FAILOVER;
  return { detectAfterMs, checkIntervalMs };
}
