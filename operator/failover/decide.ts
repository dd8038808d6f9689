/**
 * One tick's decision, from the promotion record and the health verdict; a lost primary
 * is replaced only with a quorum (quorum.ts). Pure: ids and time come in as arguments.
 */
import type { Verdict } from './health.js';
import type { PromotionProgress } from './promotion.js';
import { quorum, type Ballot } from './quorum.js';
import { rankReplicas } from './ranking.js';
import { HoldReason, PromotionReason } from '../reasons.js';
import type { Health } from './world.js';

/** The promotion record, kept in one object per Redis (record-store.ts). */
export interface RedisRecord {
  /** Pod name of the primary the operator stands behind. */
  readonly primary: string | null;
  readonly epoch: number;
  readonly promotions: number;
  /** Unix ms of the last completed promotion. */
  readonly lastPromotion: number | null;
  /** Set from the start of a promotion until its last step. */
  readonly promotion: PromotionProgress | null;
  /** The primary's fence was last armed at a majority (fence.ts); false in survivor mode or before the first arming. */
  readonly primaryFenced: boolean;
}

export const emptyRecord: RedisRecord = {
  primary: null,
  epoch: 0,
  promotions: 0,
  lastPromotion: null,
  promotion: null,
  primaryFenced: false,
};

export type Decision =
  /** `detail`: what the observers said, for the Event (a quorum hold). */
  | { readonly kind: 'hold'; readonly reason: HoldReason; readonly primary: string | null; readonly detail?: string }
  | { readonly kind: 'steady'; readonly primary: string }
  | { readonly kind: 'adopt'; readonly primary: string }
  | { readonly kind: 'promote'; readonly progress: PromotionProgress; readonly resumed: boolean };

export interface DecideInput {
  readonly record: RedisRecord;
  readonly verdict: Verdict;
  readonly health: Health;
  readonly failoverEnabled: boolean;
  readonly detectAfterMs: number;
  readonly newId: () => string;
  readonly now: number;
}

export function decide(i: DecideInput): Decision {
  const { record, verdict } = i;
  // Isolated comes first even mid-promotion: with no pod answering, no step can be checked.
  if (verdict.kind === 'isolated') return { kind: 'hold', reason: HoldReason.Isolated, primary: record.primary };
  if (record.promotion) return { kind: 'promote', progress: record.promotion, resumed: true };
  switch (verdict.kind) {
    case 'healthy':
      return { kind: 'steady', primary: verdict.primary };
    case 'adopt':
      return { kind: 'adopt', primary: verdict.primary };
    case 'suspect':
      return { kind: 'hold', reason: HoldReason.Suspect, primary: record.primary };
    case 'planned':
      return start(i, PromotionReason.Planned, verdict.primary, i.now);
    case 'lost': {
      if (!i.failoverEnabled) return { kind: 'hold', reason: HoldReason.Disabled, primary: record.primary };
      const q = verdict.primary === null ? null : quorumOn(i, verdict.primary);
      if (q?.kind === 'hold') return { kind: 'hold', reason: q.reason, primary: record.primary, detail: describe(q.ballots) };
      return start(i, PromotionReason.PrimaryLost, verdict.primary, verdict.detectedAt);
    }
  }
}

/** "operator: gone (own probe), redis-1: alive (link up)" */
export function describe(ballots: readonly Ballot[]): string {
  return ballots.map((b) => `${b.observer}: ${b.vote} (${b.why})`).join(', ');
}

/** With no primary to replace (none recorded, none answering) there is nobody to split the brain with. */
function quorumOn(i: DecideInput, primary: string) {
  return quorum({
    health: i.health,
    primary,
    operatorSaysGone: true,
    primaryFenced: i.record.primaryFenced,
    detectAfterMs: i.detectAfterMs,
    now: i.now,
  });
}

function start(i: DecideInput, reason: PromotionReason, from: string | null, detectedAt: number): Decision {
  const best = rankReplicas(i.health, from).ranked[0];
  if (!best) return { kind: 'hold', reason: HoldReason.NoCandidate, primary: i.record.primary };
  return {
    kind: 'promote',
    resumed: false,
    progress: { id: i.newId(), reason, from, to: best.pod, epoch: i.record.epoch + 1, step: 'Chosen', detectedAt },
  };
}
