/**
 * The fleet's fair share, computed the same way by every pod from one consistent snapshot
 * (fleet-registry.ts), so the pods agree on who sheds without talking to each other:
 * - a pod sheds only when it holds more than `tolerance` above the mean, and then only down
 *   to half the tolerance above it: the clients it closes are a computed excess, and the
 *   dead band keeps a pod from shedding again for the few that land back on it;
 * - a pod refuses a client it (or another pod) just shed while it is at or above the
 *   shedding line (admits): the load balancer places that client elsewhere instead of back
 *   on a busy pod, so no pod climbs over the line again by taking shed clients back. Only
 *   shed clients are refused, and only pods above the mean of a consistent snapshot can be
 *   over the line; should every pod be over a stale line at once (a surge), the client
 *   retries after a short backoff, by which time the next round has moved the line.
 * `inFlight` is what this pod closed last round: those clients are in no pod's count yet,
 * and leaving them out would make the mean too low and the pod shed too many.
 */
export interface FairShareOptions {
  /** e.g. 0.05: a pod may hold up to 5 % above the mean before it sheds. */
  readonly tolerance: number;
  /** At most this fraction of the pod's connections per round, so reconnects arrive as a trickle. */
  readonly maxShedFraction: number;
}

function mean(fleet: readonly number[], inFlight: number): number {
  return (fleet.reduce((a, b) => a + b, 0) + inFlight) / fleet.length;
}

/** The count above which a pod sheds (and refuses newcomers). */
export function shedLine(fleet: readonly number[], tolerance: number, inFlight = 0): number {
  return Math.ceil(mean(fleet, inFlight) * (1 + tolerance));
}

export function connectionsToShed(own: number, fleet: readonly number[], o: FairShareOptions, inFlight = 0): number {
  if (fleet.length < 2) return 0;
  if (own <= shedLine(fleet, o.tolerance, inFlight)) return 0;
  const excess = own - Math.ceil(mean(fleet, inFlight) * (1 + o.tolerance / 2));
  return Math.max(0, Math.min(excess, Math.ceil(own * o.maxShedFraction)));
}

/** Whether a pod holding `own` connections takes one more shed client. */
export function admits(own: number, fleet: readonly number[], tolerance: number): boolean {
  return fleet.length < 2 || own < shedLine(fleet, tolerance);
}
