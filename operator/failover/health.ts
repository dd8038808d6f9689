/**
 * Health state per Redis pod, folded from one round of PING/INFO checks, and the verdict
 * on the primary. Pure: the clock reading comes in as `now`.
 */
import type { Health, PodHealth, Probe, RedisPod } from './world.js';
import { usable } from './world.js';

/**
 * Folds one round of checks into the health map. Pods that left the StatefulSet are
 * dropped (the map stays bounded by the replica count), except the recorded primary,
 * which is kept as absent and failing so its loss is judged like any other.
 */
export function observe(
  prev: Health,
  pods: readonly RedisPod[],
  probes: ReadonlyMap<string, Probe>,
  now: number,
  recordedPrimary: string | null,
): Health {
  const next = new Map<string, PodHealth>();
  for (const pod of pods) {
    const probe = probes.get(pod.name) ?? { ok: false, error: 'not checked', hung: false };
    next.set(pod.name, fold(prev.get(pod.name), pod, true, probe, now));
  }
  const gone = recordedPrimary === null ? undefined : prev.get(recordedPrimary);
  if (gone && !next.has(gone.pod.name)) {
    next.set(gone.pod.name, fold(gone, gone.pod, false, { ok: false, error: 'pod is gone', hung: false }, now));
  }
  return next;
}

function fold(prev: PodHealth | undefined, pod: RedisPod, present: boolean, probe: Probe, now: number): PodHealth {
  if (probe.ok) {
    return { pod, present, reachable: true, info: probe.info, consecutiveFailures: 0, failingSince: null, hung: false, answeredAs: pod.process };
  }
  return {
    pod,
    present,
    reachable: false,
    info: prev?.info ?? null,
    consecutiveFailures: (prev?.consecutiveFailures ?? 0) + 1,
    failingSince: prev?.failingSince ?? now,
    hung: present && probe.hung,
    answeredAs: prev?.answeredAs ?? null,
  };
}

export type Verdict =
  /** No pod answers: the operator may be the one cut off, so it never promotes. */
  | { readonly kind: 'isolated' }
  | { readonly kind: 'healthy'; readonly primary: string }
  | { readonly kind: 'suspect'; readonly primary: string; readonly failingForMs: number }
  | { readonly kind: 'lost'; readonly primary: string | null; readonly detectedAt: number }
  /** The primary answers but its pod is being deleted: switch over before it stops. */
  | { readonly kind: 'planned'; readonly primary: string }
  /** No usable record: take the node that already acts as primary. */
  | { readonly kind: 'adopt'; readonly primary: string };

/** A single missed check never promotes, however long the interval. */
export const MIN_FAILED_CHECKS = 2;

export function judge(health: Health, recordedPrimary: string | null, now: number, detectAfterMs: number): Verdict {
  const live = [...health.values()].filter(usable);
  if (live.length === 0) return { kind: 'isolated' };
  const p = recordedPrimary === null ? undefined : health.get(recordedPrimary);
  if (!p) return adoptOrLose(live, now);
  if (p.reachable) return judgeReachable(p, live, now);
  const failingForMs = now - (p.failingSince ?? now);
  const enoughChecks = p.consecutiveFailures >= MIN_FAILED_CHECKS;
  // Pod status counts too: a pod that is gone or NotReady needs no full detectAfter wait.
  const podSaysDown = !p.present || !p.pod.ready;
  if (enoughChecks && (failingForMs >= detectAfterMs || podSaysDown)) {
    return { kind: 'lost', primary: p.pod.name, detectedAt: now };
  }
  return { kind: 'suspect', primary: p.pod.name, failingForMs };
}

function judgeReachable(p: PodHealth, live: PodHealth[], now: number): Verdict {
  if (p.info?.role === 'replica') {
    // Someone (a FAILOVER whose completion was never recorded) already moved the role: follow it.
    return adoptOrLose(live, now);
  }
  if (p.pod.deleting) return { kind: 'planned', primary: p.pod.name };
  return { kind: 'healthy', primary: p.pod.name };
}

function adoptOrLose(live: PodHealth[], now: number): Verdict {
  const masters = live.filter((h) => h.info?.role === 'master' && !h.pod.deleting);
  if (masters.length === 0) return { kind: 'lost', primary: null, detectedAt: now };
  // Several self-declared primaries (fresh start, or a split brain we inherited): keep the one holding the most data.
  const best = masters.sort(
    (a, b) => (b.info?.keys ?? 0) - (a.info?.keys ?? 0) || (b.info?.offset ?? 0) - (a.info?.offset ?? 0) || a.pod.name.localeCompare(b.pod.name),
  )[0] as PodHealth;
  return { kind: 'adopt', primary: best.pod.name };
}
