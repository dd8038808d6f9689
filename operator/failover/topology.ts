/**
 * Steady state between promotions: exactly one primary. A pod that answers as a second
 * primary (the old one back from the dead, a restart with an empty dataset) first loses
 * the role label, then is made a replica of the recorded primary, before anything routes to it.
 */
import { labels, publish, straysOf, type Action } from './promotion.js';
import type { World } from './world.js';

export function steadyActions(w: World, primary: string, epoch: number): Action[] {
  const out: Action[] = [];
  // Label first: the label is what routes traffic, so a returning node must never carry it.
  const label = labels(w, primary);
  if (label) out.push(label);
  for (const pod of straysOf(w, primary)) out.push({ kind: 'replicaof', pod, primary });
  const pub = publish(w, primary, Math.max(epoch, 1));
  if (pub) out.push(pub);
  return out;
}

/** Pods answering role:master right now; more than one is a split brain to repair. */
export function primariesSeen(w: World): string[] {
  return [...w.health.values()]
    .filter((h) => h.present && h.reachable && h.info?.role === 'master')
    .map((h) => h.pod.name)
    .sort();
}
