/** Seeded id samplers for the burst: uniform and Zipf-skewed over users 1..N. */

import { seededRandom } from '../../lib/1-ground/random.js';

export { seededRandom };

export type Distribution = 'uniform' | 'zipf';

export function uniformIds(n: number, users: number, random: () => number): number[] {
  return Array.from({ length: n }, () => 1 + Math.floor(random() * users));
}

/** Zipf with exponent s: id k (1-based rank) drawn with probability ∝ 1/k^s, by inverse CDF. */
export function zipfIds(n: number, users: number, random: () => number, s = 1.0): number[] {
  const cdf = new Float64Array(users);
  let sum = 0;
  for (let k = 1; k <= users; k++) {
    sum += 1 / k ** s;
    cdf[k - 1] = sum;
  }
  return Array.from({ length: n }, () => {
    const u = random() * sum;
    let lo = 0;
    let hi = users - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  });
}

export function sampleIds(d: Distribution, n: number, users: number, seed: number): number[] {
  const r = seededRandom(seed);
  return d === 'uniform' ? uniformIds(n, users, r) : zipfIds(n, users, r);
}
