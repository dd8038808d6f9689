/**
 * Which replica to promote: lowest replica-priority first (0 = never), then the highest
 * replication offset (the least data lost), then the smallest run id so every brain that
 * sees the same facts picks the same node. The order is Sentinel's; the code is ours.
 */
import type { Health, PodHealth } from './world.js';

export interface Candidate {
  readonly pod: string;
  readonly priority: number;
  readonly offset: number;
  readonly runId: string;
}

export interface Exclusion {
  readonly pod: string;
  readonly why: 'unreachable' | 'deleting' | 'priority-zero' | 'not-a-replica' | 'old-primary' | 'never-synced';
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
  // A node that restarted and has not completed a sync is empty: promoting it would make every
  // replica resync from it and drop the whole dataset (seen when the kubelet restarted a killed
  // primary as a replica within a second and its low replica-priority ranked it first).
  if (h.info.master?.neverSynced) return 'never-synced';
  return null;
}

export function compareCandidates(a: Candidate, b: Candidate): number {
  return a.priority - b.priority || b.offset - a.offset || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0);
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
    ranked.push({ pod: h.pod.name, priority: h.info.priority, offset: h.info.offset, runId: h.info.runId });
  }
  return { ranked: ranked.sort(compareCandidates), excluded };
}
