/**
 * What one Redis Cluster node says about the cluster (`CLUSTER INFO`), parsed. Pure, so the
 * cluster judgement is tested on literal replies.
 */

/** Slots a Redis Cluster has in all (hash slots 0..16383). */
export const CLUSTER_SLOTS = 16_384;

export interface ClusterInfo {
  /** `ok` while this node can serve every slot it knows to be assigned (with full coverage required: all). */
  readonly state: 'ok' | 'fail';
  readonly slotsAssigned: number;
  readonly slotsOk: number;
  /** Slots whose node this node suspects (PFAIL: it alone misses it). */
  readonly slotsPfail: number;
  /** Slots whose node a majority of primaries declared failed (FAIL). */
  readonly slotsFail: number;
  readonly knownNodes: number;
  /** Primaries serving at least one slot. */
  readonly size: number;
}

const int = (v: string | undefined): number => {
  const n = Number(v);
  return v !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : 0;
};

/** A field that is missing or odd reads as 0 (and a state other than `ok` as `fail`): never NaN in status. */
export function parseClusterInfo(text: string): ClusterInfo {
  const f = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) f.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return {
    state: f.get('cluster_state') === 'ok' ? 'ok' : 'fail',
    slotsAssigned: int(f.get('cluster_slots_assigned')),
    slotsOk: int(f.get('cluster_slots_ok')),
    slotsPfail: int(f.get('cluster_slots_pfail')),
    slotsFail: int(f.get('cluster_slots_fail')),
    knownNodes: int(f.get('cluster_known_nodes')),
    size: int(f.get('cluster_size')),
  };
}
