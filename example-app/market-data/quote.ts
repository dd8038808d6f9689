/** The quote shape every part of the service passes around, and its validation at the edges. */
export interface Quote {
  readonly symbol: string;
  readonly price: number;
  readonly bid: number;
  readonly ask: number;
  readonly ts: number;
  readonly seq: number;
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The quote in `v`, or undefined when it is not one (from the upstream or another pod). */
export function toQuote(v: unknown): Quote | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o['symbol'] !== 'string' || !num(o['price']) || !num(o['bid']) || !num(o['ask']) || !num(o['ts']) || !num(o['seq'])) {
    return undefined;
  }
  return { symbol: o['symbol'], price: o['price'], bid: o['bid'], ask: o['ask'], ts: o['ts'], seq: o['seq'] };
}
