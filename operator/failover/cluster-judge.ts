/**
 * The pure half of watching a Redis Cluster: from one round of probes, the status to report
 * (ClusterOk / ClusterDegraded / ClusterDown) and the primaries that came back cold. Redis
 * Cluster fails over by itself, so nothing here ever decides a role change.
 */
import { Reason, type ClusterReason } from '../reasons.js';
import { collapsed } from './cold.js';
import { CLUSTER_SLOTS, type ClusterInfo } from './cluster-info.js';
import type { ReplicationInfo } from './replication-info.js';
import type { RedisPod } from './world.js';

/** One node's answer: what it says about the cluster, and about itself (role, run id, keys). */
export interface ClusterAnswer {
  readonly cluster: ClusterInfo;
  readonly node: ReplicationInfo;
}

export type ClusterProbe = { readonly ok: true; readonly answer: ClusterAnswer } | { readonly ok: false; readonly error: string };

/**
 * **contract** with the CRD: `status.redis.cluster`, written by the failover controller. The
 * ClusterInfo fields are cluster_state and the slot counters of the healthiest node's view
 * (the one serving most slots).
 */
export interface ClusterStatus extends ClusterInfo {
  readonly reason: ClusterReason;
  readonly message: string;
  /** Redis pods of the StatefulSet, and how many answered. */
  readonly nodes: number;
  readonly answering: number;
  /** Pods answering as primaries, sorted. */
  readonly primaries: readonly string[];
}

type Answered = { readonly pod: RedisPod; readonly answer: ClusterAnswer };

const NO_VIEW: ClusterInfo = { state: 'fail', slotsAssigned: 0, slotsOk: 0, slotsPfail: 0, slotsFail: 0, knownNodes: 0, size: 0 };

function answered(pods: readonly RedisPod[], probes: ReadonlyMap<string, ClusterProbe>): Answered[] {
  return pods.flatMap((pod) => {
    const p = probes.get(pod.name);
    return p?.ok ? [{ pod, answer: p.answer }] : [];
  });
}

/** The view reported: an `ok` node's if any (nodes cut off from the majority say `fail`), the one serving most slots. */
function bestView(answers: readonly Answered[]): ClusterInfo {
  const rank = (a: Answered) => (a.answer.cluster.state === 'ok' ? CLUSTER_SLOTS + 1 : 0) + a.answer.cluster.slotsOk;
  const best = [...answers].sort((a, b) => rank(b) - rank(a) || a.pod.name.localeCompare(b.pod.name))[0];
  return best?.answer.cluster ?? NO_VIEW;
}

/** What keeps an `ok` cluster from full health, in words; empty when nothing does. */
function troubles(pods: readonly RedisPod[], answers: readonly Answered[], view: ClusterInfo): string[] {
  const names = (xs: readonly { name: string }[]) => xs.map((x) => x.name).sort().join(', ');
  const silent = pods.filter((p) => !answers.some((a) => a.pod.name === p.name));
  const failing = answers.filter((a) => a.answer.cluster.state !== 'ok').map((a) => a.pod);
  const out: string[] = [];
  if (silent.length) out.push(`${silent.length} of ${pods.length} nodes do not answer (${names(silent)})`);
  if (failing.length) out.push(`${names(failing)} report cluster_state:fail`);
  // Suspicions are per node (PFAIL is one node's), so the worst any node reports counts, not the best view's.
  const worst = (f: (c: ClusterInfo) => number) => Math.max(0, ...answers.map((a) => f(a.answer.cluster)));
  const pfail = worst((c) => c.slotsPfail);
  const fail = worst((c) => c.slotsFail);
  if (pfail) out.push(`${pfail} slots PFAIL`);
  if (fail) out.push(`${fail} slots FAIL`);
  if (view.slotsAssigned < CLUSTER_SLOTS) out.push(`${CLUSTER_SLOTS - view.slotsAssigned} slots unassigned`);
  return out;
}

function verdict(pods: readonly RedisPod[], answers: readonly Answered[], view: ClusterInfo): { reason: ClusterReason; message: string } {
  if (pods.length === 0) return { reason: Reason.ClusterDown, message: 'the StatefulSet has no Redis pod with an address' };
  if (answers.length === 0) return { reason: Reason.ClusterDown, message: `none of the ${pods.length} nodes answers` };
  if (view.state !== 'ok') {
    return { reason: Reason.ClusterDown, message: `no node reports cluster_state:ok (${answers.length} of ${pods.length} answer)` };
  }
  const t = troubles(pods, answers, view);
  if (t.length) return { reason: Reason.ClusterDegraded, message: `cluster_state:ok, but ${t.join('; ')}` };
  return { reason: Reason.ClusterOk, message: `${view.size} primaries serve all ${CLUSTER_SLOTS} slots; all ${pods.length} nodes answer` };
}

/** The status of the cluster from one round of probes of the StatefulSet's pods. */
export function judgeCluster(pods: readonly RedisPod[], probes: ReadonlyMap<string, ClusterProbe>): ClusterStatus {
  const answers = answered(pods, probes);
  const view = bestView(answers);
  return {
    ...verdict(pods, answers, view),
    ...view,
    nodes: pods.length,
    answering: answers.length,
    primaries: answers.filter((a) => a.answer.node.role === 'master').map((a) => a.pod.name).sort(),
  };
}

/** What the watch remembers of a node between observations, for cold-start detection. */
export interface SeenNode {
  readonly runId: string;
  readonly role: 'master' | 'replica';
  readonly keys: number;
}
export type Seen = ReadonlyMap<string, SeenNode>;

/** The last answer of every pod still in the StatefulSet (kept while it does not answer, so its return is compared with it). */
export function remember(prev: Seen, pods: readonly RedisPod[], probes: ReadonlyMap<string, ClusterProbe>): Seen {
  const next = new Map<string, SeenNode>();
  for (const pod of pods) {
    const p = probes.get(pod.name);
    const seen = p?.ok ? { runId: p.answer.node.runId, role: p.answer.node.role, keys: p.answer.node.keys } : prev.get(pod.name);
    if (seen) next.set(pod.name, seen);
  }
  return next;
}

/**
 * Primaries whose shard came back cold: the pod answered as a primary holding keys, and now
 * answers as a primary again, from a new process (run id), with its keys collapsed. A restart
 * that the cluster noticed comes back as a replica and resyncs, so it never counts; a restart
 * faster than cluster-node-timeout keeps its slots, empty, and its replica resyncs to empty too.
 */
export function coldPrimaries(prev: Seen, probes: ReadonlyMap<string, ClusterProbe>): Array<{ pod: string; before: number }> {
  const out: Array<{ pod: string; before: number }> = [];
  for (const [pod, p] of probes) {
    const was = prev.get(pod);
    if (!p.ok || !was || was.role !== 'master' || p.answer.node.role !== 'master') continue;
    if (p.answer.node.runId !== was.runId && collapsed(was.keys, p.answer.node.keys)) out.push({ pod, before: was.keys });
  }
  return out.sort((a, b) => a.pod.localeCompare(b.pod));
}
