/**
 * Moving prices: each symbol starts at a fixed base and takes a small random step on
 * every read, scaled by the time since its last read. State is one entry per universe
 * symbol, so it is bounded by construction.
 */
export interface Quote {
  readonly symbol: string;
  readonly price: number;
  readonly bid: number;
  readonly ask: number;
  /** Vendor timestamp, ms since the epoch. */
  readonly ts: number;
  /** Per-symbol sequence number: one per quote served. */
  readonly seq: number;
}

interface State {
  price: number;
  last: number;
  seq: number;
}

const round = (x: number) => Math.round(x * 100) / 100;

export class PriceBook {
  private readonly state = new Map<string, State>();

  constructor(
    symbols: readonly string[],
    private readonly now: () => number,
    private readonly random: () => number,
  ) {
    const t = now();
    symbols.forEach((s, i) => this.state.set(s, { price: 20 + ((i * 37) % 480), last: t, seq: 0 }));
  }

  /** The next quote of a universe symbol; undefined for any other. */
  quote(symbol: string): Quote | undefined {
    const st = this.state.get(symbol);
    if (!st) return undefined;
    const t = this.now();
    const dtSec = Math.max(0.001, (t - st.last) / 1000);
    // Random walk with volatility growing like sqrt(time), floored so a price stays positive.
    st.price = Math.max(1, st.price * (1 + (this.random() - 0.5) * 0.004 * Math.sqrt(dtSec)));
    st.last = t;
    st.seq += 1;
    const spread = Math.max(0.01, st.price * 0.0002);
    return { symbol, price: round(st.price), bid: round(st.price - spread), ask: round(st.price + spread), ts: t, seq: st.seq };
  }
}
