/**
 * Which replica to promote: one that has synced since it started before one that has not, then
 * the lowest replica-priority (0 = never), then the highest
 * replication offset (the least data lost), then the smallest run id so every brain that
 * sees the same facts picks the same node. The order is Sentinel's; the code is ours.
 */
import type { Health, PodHealth } from './world.js';

export interface Candidate {
  readonly pod: string;
  /**
   * Its link has never been up since it started: a restarted node without persistence holds
   * nothing, so it ranks after every replica that synced (promoting it would make them all
   * resync from it and drop the dataset). When none has synced (a fresh StatefulSet) there is
   * nothing to lose, and the usual order decides.
   */
  readonly neverSynced: boolean;
  readonly priority: number;
  readonly offset: number;
  readonly runId: string;
}

export interface Exclusion {
  readonly pod: string;
  readonly why: 'unreachable' | 'deleting' | 'priority-zero' | 'not-a-replica' | 'old-primary';
}

export interface Ranking {
  readonly ranked: readonly Candidate[];
  readonly excluded: readonly Exclusion[];
}

function exclusion(h: PodHealth, oldPrimary: string | null): Exclusion['why'] | null {
  if (h.pod.name === oldPrimary) return 'old-primary';
  if (!h.present || !h.reachable || !h.info) return 'unreachable';
  if (h.pod.deleting) return 'deleting';
  if (h.info.role !== 'replica') return 'not-a-replica';
  if (h.info.priority === 0) return 'priority-zero';
  return null;
}

export function compareCandidates(a: Candidate, b: Candidate): number {
  return Number(a.neverSynced) - Number(b.neverSynced) || a.priority - b.priority || b.offset - a.offset || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0);
}

export function rankReplicas(health: Health, oldPrimary: string | null): Ranking {
  const ranked: Candidate[] = [];
  const excluded: Exclusion[] = [];
  for (const h of health.values()) {
    const why = exclusion(h, oldPrimary);
    if (why !== null || !h.info) {
      excluded.push({ pod: h.pod.name, why: why ?? 'unreachable' });
      continue;
    }
    ranked.push({ pod: h.pod.name, neverSynced: h.info.master?.neverSynced ?? false, priority: h.info.priority, offset: h.info.offset, runId: h.info.runId });
  }
  return { ranked: ranked.sort(compareCandidates), excluded };
}
