/**
 * XFetch (Vattani et al., VLDB 2015): refresh early with a probability that rises as expiry
 * nears, scaled by how long the value takes to compute (δ) and by β. Pure, so the decision
 * is tested with a fixed random source.
 */
export function shouldRefreshEarly(
  now: number,
  expiresAt: number,
  deltaMs: number,
  beta: number,
  rand: number,
): boolean {
  // ln(rand) <= 0, so the left side is now plus a non-negative head start.
  return now - deltaMs * beta * Math.log(rand) >= expiresAt;
}
