/** Turning a run into figures for the JSON report. */

export const round = (x: number, digits = 3): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** "HTTP 503 E_ORIGIN_REJECTED×12, ECONNRESET×3" */
export function nameErrors(m: Map<string, number>): string {
  return [...m].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n}×${c}`).join(', ') || 'none';
}

/** Every failure in a map of failures by name. */
export function countErrors(m: Map<string, number>): number {
  return [...m.values()].reduce((a, b) => a + b, 0);
}
