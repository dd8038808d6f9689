/**
 * Quote fan-out latency as the load client sees it: for each quote (symbol, seq), the delay
 * between its first arrival at any client and each later arrival. The first client gets a
 * quote moments after it is published, so this is how long the fleet (the pods and the
 * Redis bus between them) takes to hand one quote to every subscriber. Bounded: one entry
 * per symbol (the newest seq) and a fixed 1 ms-bucket histogram up to `maxMs`.
 */
export class FanOutLatency {
  private readonly first = new Map<string, { seq: number; at: number }>();
  private readonly buckets: Uint32Array;
  private total = 0;

  constructor(
    private readonly maxMs = 30_000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.buckets = new Uint32Array(maxMs + 1);
  }

  record(symbol: string, seq: number): void {
    const at = this.now();
    const f = this.first.get(symbol);
    if (!f || seq > f.seq) {
      this.first.set(symbol, { seq, at });
      this.add(0);
    } else if (seq === f.seq) {
      this.add(at - f.at);
    }
    // An older seq arriving after a newer one was seen is not a fan-out of the current quote.
  }

  /** The q-quantile in ms (e.g. 0.99), or 0 when nothing was recorded. */
  quantileMs(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let ms = 0; ms < this.buckets.length; ms++) {
      seen += this.buckets[ms] as number;
      if (seen >= rank) return ms;
    }
    return this.maxMs;
  }

  get count(): number {
    return this.total;
  }

  reset(): void {
    this.buckets.fill(0);
    this.total = 0;
  }

  private add(ms: number): void {
    const i = Math.min(this.maxMs, Math.max(0, Math.round(ms)));
    this.buckets[i] = (this.buckets[i] as number) + 1;
    this.total += 1;
  }
}
