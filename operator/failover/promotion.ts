/**
 * A promotion as idempotent steps. Progress (the last completed step) lives in the
 * CachePolicy status, so a new leader re-reads it, re-observes Redis and carries on:
 * each next action is derived from the record *and* what Redis says now, never from
 * memory, so repeating a step is harmless and a half-done promotion is finished or,
 * when its candidate is gone, abandoned and chosen again.
 */
import { HoldReason, PromotionReason } from '../reasons.js';
import type { World } from './world.js';
import { follows, usable } from './world.js';

/** Steps in order; a record names the last one completed. */
export const STEPS = ['Chosen', 'Promoted', 'ReplicasRepointed', 'LabelMoved', 'Published'] as const;
export type Step = (typeof STEPS)[number];

/** **contract** with the CRD status: `status.redis.promotion` while one is in progress. */
export interface PromotionProgress {
  readonly id: string;
  readonly reason: PromotionReason;
  /** The primary being replaced; null when there was none to replace. */
  readonly from: string | null;
  readonly to: string;
  /** Published with the new primary; services treat a higher epoch as "a promotion happened". */
  readonly epoch: number;
  readonly step: Step;
  /** Unix ms when the loss (or the planned stop) was detected: failover duration starts here. */
  readonly detectedAt: number;
}

export type Action =
  /** Planned: ask the old primary to hand over (Redis FAILOVER waits for the replica to catch up). */
  | { readonly kind: 'failover'; readonly from: string; readonly to: string; readonly epoch: number }
  /** Carries the epoch the node records atomically with its promotion (lease tokens compare against it). */
  | { readonly kind: 'replicaof-no-one'; readonly pod: string; readonly epoch: number }
  | { readonly kind: 'replicaof'; readonly pod: string; readonly primary: string }
  | { readonly kind: 'move-label'; readonly to: string }
  | { readonly kind: 'publish'; readonly primary: string; readonly epoch: number }
  /** The current step's goal already holds: record the next step, no I/O. */
  | { readonly kind: 'advance'; readonly step: Step }
  | { readonly kind: 'abort'; readonly reason: HoldReason }
  | { readonly kind: 'complete' };

const next = (s: Step): Step => STEPS[Math.min(STEPS.indexOf(s) + 1, STEPS.length - 1)] as Step;

export function nextPromotionAction(p: PromotionProgress, w: World): Action {
  switch (p.step) {
    case 'Chosen':
      return promote(p, w);
    case 'Promoted':
      return repoint(p, w);
    case 'ReplicasRepointed':
      return labels(w, p.to) ?? { kind: 'advance', step: next(p.step) };
    case 'LabelMoved':
      return publish(w, p.to, p.epoch) ?? { kind: 'advance', step: next(p.step) };
    case 'Published':
      return { kind: 'complete' };
  }
}

function promote(p: PromotionProgress, w: World): Action {
  const to = w.health.get(p.to);
  const from = p.from === null ? undefined : w.health.get(p.from);
  if (!usable(to)) return { kind: 'abort', reason: HoldReason.CandidateLost };
  if (to.info?.role === 'master') return { kind: 'advance', step: 'Promoted' };
  const fromIsPrimary = usable(from) && from.info?.role === 'master';
  if (p.reason === PromotionReason.Planned && fromIsPrimary && p.from !== null) return { kind: 'failover', from: p.from, to: p.to, epoch: p.epoch };
  // Nothing has changed yet and the old primary answers again: cancelling is safe, promoting would make two primaries.
  if (p.reason === PromotionReason.PrimaryLost && fromIsPrimary) return { kind: 'abort', reason: HoldReason.PrimaryBack };
  return { kind: 'replicaof-no-one', pod: p.to, epoch: p.epoch };
}

function repoint(p: PromotionProgress, w: World): Action {
  const to = w.health.get(p.to);
  if (!to) return { kind: 'abort', reason: HoldReason.CandidateLost };
  const stray = straysOf(w, p.to)[0];
  return stray ? { kind: 'replicaof', pod: stray, primary: p.to } : { kind: 'advance', step: 'ReplicasRepointed' };
}

/** Reachable pods other than `primary` that do not follow it: each is made its replica. */
export function straysOf(w: World, primary: string): string[] {
  const p = w.health.get(primary);
  if (!p) return [];
  return [...w.health.values()]
    .filter((h) => usable(h) && h.pod.name !== primary && !follows(h, p.pod))
    .map((h) => h.pod.name)
    .sort();
}

/** The label action needed so exactly `primary` carries role=primary, or null. */
export function labels(w: World, primary: string): Action | null {
  const carrying = [...w.health.values()].filter((h) => h.present && h.pod.labelledPrimary).map((h) => h.pod.name);
  return carrying.length === 1 && carrying[0] === primary ? null : { kind: 'move-label', to: primary };
}

/** The publish action needed so services see `primary` at `epoch` or later, or null. */
export function publish(w: World, primary: string, epoch: number): Action | null {
  return w.published.primary === primary && w.published.epoch >= epoch ? null : { kind: 'publish', primary, epoch };
}
