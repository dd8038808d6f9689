/**
 * **contract** between the operator and the services: after a cold Redis the operator asks
 * every instance to warm its own hottest keys (they hold the hot-key trackers; the operator
 * only knows the cache is empty). The operator keeps the request in the CachePolicy's
 * `status.redis.failover.warmup` and renders it into `rendered.redis.warmup`, where the
 * services read it. One type for both sides; only `requestedAt` is spelled differently on
 * the wire (Unix ms in the status, RFC 3339 in the rendered document).
 */
export interface WarmupRequest {
  /** Services run each id once. */
  readonly id: string;
  /** The policy's fleet-wide rate divided by the instances, so the origin never sees more than the policy rate. */
  readonly ratePerSecondPerInstance: number;
  readonly topKeys: number;
  /** Unix ms when the operator asked; null when the document did not say. */
  readonly requestedAt: number | null;
}

/** `rendered.redis.warmup`: the request with `requestedAt` in RFC 3339. */
export type RenderedWarmup = Omit<WarmupRequest, 'requestedAt'> & { readonly requestedAt: string };

export function renderWarmup(w: WarmupRequest): RenderedWarmup {
  // A request nobody can date is rendered as long past: a pod started later must not warm on it.
  const requestedAt = new Date(w.requestedAt ?? 0).toISOString();
  return { id: w.id, ratePerSecondPerInstance: w.ratePerSecondPerInstance, topKeys: w.topKeys, requestedAt };
}

/**
 * Reads a warmup request in either wire form, defensively: the status and the rendered
 * document are JSON anyone can edit, and a missing or odd field means "no request", never
 * a NaN rate.
 */
export function readWarmup(v: unknown): WarmupRequest | null {
  if (typeof v !== 'object' || v === null) return null;
  const w = v as Record<string, unknown>;
  const id = w['id'];
  const rate = w['ratePerSecondPerInstance'];
  if (typeof id !== 'string' || typeof rate !== 'number' || !(rate > 0)) return null;
  const topKeys = w['topKeys'];
  const at = w['requestedAt'];
  const ms = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : NaN;
  return {
    id,
    ratePerSecondPerInstance: rate,
    topKeys: typeof topKeys === 'number' && topKeys >= 0 ? topKeys : 0,
    requestedAt: Number.isFinite(ms) ? ms : null,
  };
}
