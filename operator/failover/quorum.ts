/**
 * Promote only when a majority of observers agree the primary is gone. The observers are
 * the operator's own probe and every other Redis pod, through what its `INFO replication`
 * says about the link to the primary. The operator's vote is required as well: it must be
 * able to act, and a primary it still reaches as master is demoted, not replaced.
 * Pure; the rule and its failure cases are in docs/adr/0007-promotion-quorum.md.
 */
import { fenceBoundMs, replicaSilentSeconds } from './fence.js';
import { HoldReason } from '../reasons.js';
import type { Health, PodHealth, RedisPod } from './world.js';
import { processGone, usable } from './world.js';

export type Vote = 'gone' | 'alive' | 'abstain';

export interface Ballot {
  readonly observer: string;
  readonly vote: Vote;
  readonly why: string;
}

export const OPERATOR_OBSERVER = 'operator';

export interface QuorumInput {
  readonly health: Health;
  readonly primary: string;
  /** The operator's own probe: failed checks for detectAfter (or pod down), the judge's `lost`. */
  readonly operatorSaysGone: boolean;
  /** Whether the primary's fence was armed at a majority when last applied (record). */
  readonly primaryFenced: boolean;
  readonly detectAfterMs: number;
  readonly now: number;
}

export type QuorumVerdict =
  | { readonly kind: 'gone'; readonly ballots: readonly Ballot[] }
  | { readonly kind: 'hold'; readonly reason: HoldReason; readonly ballots: readonly Ballot[] };

/** One pod's view of `primary`; a pod that cannot be asked, or follows another node, abstains. */
export function replicaBallot(h: PodHealth, primary: RedisPod, silentSeconds: number): Ballot {
  const observer = h.pod.name;
  if (!usable(h) || !h.info) return { observer, vote: 'abstain', why: 'not reachable' };
  const m = h.info.master;
  if (h.info.role !== 'replica' || !m || m.host !== primary.host || m.port !== primary.port) {
    return { observer, vote: 'abstain', why: 'does not follow the primary' };
  }
  if (!m.linkUp) return { observer, vote: 'gone', why: 'link down' };
  if ((m.lastIoSeconds ?? 0) >= silentSeconds) return { observer, vote: 'gone', why: `silent for ${m.lastIoSeconds ?? 0} s` };
  return { observer, vote: 'alive', why: 'link up' };
}

export function ballots(i: QuorumInput): Ballot[] {
  const p = i.health.get(i.primary);
  const own: Ballot = { observer: OPERATOR_OBSERVER, vote: i.operatorSaysGone ? 'gone' : 'alive', why: 'own probe' };
  if (!p) return [own];
  const silent = replicaSilentSeconds(i.detectAfterMs);
  const others = [...i.health.values()].filter((h) => h.pod.name !== i.primary && h.present);
  return [own, ...others.map((h) => replicaBallot(h, p.pod, silent))];
}

/** Kubernetes saw the process end (pod gone, no process, or a new one): no fence needs waiting for. */
const podDown = (p: PodHealth | undefined): boolean => p !== undefined && processGone(p);

/**
 * The old primary has surely stopped taking writes: it is down, or it was fenced and has
 * been out of touch longer than the fence bound (by the operator's clock, or by a replica's
 * own count of silence, which is at least that bound).
 */
function fenceSettled(i: QuorumInput, votes: readonly Ballot[]): boolean {
  const p = i.health.get(i.primary);
  if (podDown(p)) return true;
  const since = p?.failingSince ?? i.now;
  return i.now - since >= fenceBoundMs(i.detectAfterMs) || votes.some((b) => b.vote === 'gone' && b.why.startsWith('silent'));
}

export function quorum(i: QuorumInput): QuorumVerdict {
  const votes = ballots(i);
  const gone = votes.filter((b) => b.vote === 'gone').length;
  if (!i.operatorSaysGone || gone * 2 <= votes.length) return { kind: 'hold', reason: HoldReason.NoQuorum, ballots: votes };
  // A primary in survivor mode was never fenced: promoting while it may live would make two writers.
  const p = i.health.get(i.primary);
  if (!i.primaryFenced && !podDown(p)) return { kind: 'hold', reason: HoldReason.Unfenced, ballots: votes };
  // Its process lives but answers nothing (SIGSTOP, a long script): its fence is only
  // recounted once it runs again, so it would take writes for up to a second when it wakes.
  // Only its end (the kubelet's liveness restart) makes a promotion safe.
  if (p?.hung && !podDown(p)) return { kind: 'hold', reason: HoldReason.Hung, ballots: votes };
  if (!fenceSettled(i, votes)) return { kind: 'hold', reason: HoldReason.AwaitingFence, ballots: votes };
  return { kind: 'gone', ballots: votes };
}
