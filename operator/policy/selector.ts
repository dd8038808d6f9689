import type { LabelSelector } from '../../lib/3-policy/objects.js';

/** Whether labels satisfy a metav1.LabelSelector (an empty selector matches nothing, as for workloads). */
export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  const ml = Object.entries(sel?.matchLabels ?? {});
  const me = sel?.matchExpressions ?? [];
  if (ml.length === 0 && me.length === 0) return false;
  if (!ml.every(([k, v]) => labels[k] === v)) return false;
  return me.every((e) => {
    const has = Object.hasOwn(labels, e.key);
    switch (e.operator) {
      case 'In':
        return has && (e.values ?? []).includes(labels[e.key] as string);
      case 'NotIn':
        return !has || !(e.values ?? []).includes(labels[e.key] as string);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
    }
  });
}
