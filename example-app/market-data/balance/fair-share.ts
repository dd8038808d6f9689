/**
 * How many connections a pod should shed: none while it is within `tolerance` above the
 * fleet mean; otherwise down to the mean, at most `maxShedFraction` of its connections per
 * round so the reconnecting clients arrive as a trickle, not a herd of their own.
 */
export interface FairShareOptions {
  /** e.g. 0.05: a pod may hold up to 5 % above the mean before it sheds. */
  readonly tolerance: number;
  readonly maxShedFraction: number;
}

export function connectionsToShed(own: number, fleet: readonly number[], o: FairShareOptions): number {
  if (fleet.length < 2) return 0;
  const mean = fleet.reduce((a, b) => a + b, 0) / fleet.length;
  if (own <= Math.ceil(mean * (1 + o.tolerance))) return 0;
  const excess = own - Math.ceil(mean);
  return Math.max(0, Math.min(excess, Math.ceil(own * o.maxShedFraction)));
}
