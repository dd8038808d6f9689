/**
 * The simulator's fixed symbol universe: the vendor's published list. 500 symbols, the
 * well-known ones first, the rest generated from a fixed seed so every process (the
 * simulator, each market-data pod, the benchmarks) agrees on the same list.
 */
const NAMED = [
  'AAPL', 'MSFT', 'GOOGL', 'NVDA', 'SPY', 'TSLA', 'AMZN', 'META', 'QQQ', 'IWM',
  'JPM', 'V', 'MA', 'UNH', 'XOM', 'JNJ', 'WMT', 'PG', 'HD', 'CVX',
  'KO', 'PEP', 'BAC', 'COST', 'AVGO', 'ORCL', 'ADBE', 'CRM', 'NFLX', 'AMD',
  'INTC', 'CSCO', 'DIS', 'NKE', 'MCD', 'BA', 'GS', 'MS', 'IBM', 'QCOM',
] as const;

export const UNIVERSE_SIZE = 500;

/** Deterministic 32-bit PRNG (mulberry32), used only to build the fixed list. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildUniverse(): readonly string[] {
  const out = new Set<string>(NAMED);
  const rnd = mulberry32(0x5eed);
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  while (out.size < UNIVERSE_SIZE) {
    const len = 3 + Math.floor(rnd() * 2);
    let s = '';
    for (let i = 0; i < len; i++) s += letters[Math.floor(rnd() * letters.length)];
    out.add(s);
  }
  return Object.freeze([...out]);
}

export const SYMBOLS: readonly string[] = buildUniverse();
const KNOWN: ReadonlySet<string> = new Set(SYMBOLS);

export function isKnownSymbol(s: string): boolean {
  return KNOWN.has(s);
}

/** Upper-case letters, digits, '.' and '-', 1 to 10 characters, starting with a letter. */
export const SYMBOL_PATTERN = /^[A-Z][A-Z0-9.-]{0,9}$/;
