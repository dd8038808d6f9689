/**
 * The simulator's fixed symbol universe: the vendor's published list. 500 symbols, the
 * well-known ones first, the rest generated from a fixed seed so every process (the
 * simulator, each market-data pod, the benchmarks) agrees on the same list.
 */
import { seededRandom } from '../../lib/1-ground/random.js';
const NAMED = [
  'AAPL', 'MSFT', 'GOOGL', 'NVDA', 'SPY', 'TSLA', 'AMZN', 'META', 'QQQ', 'IWM',
  'JPM', 'V', 'MA', 'UNH', 'XOM', 'JNJ', 'WMT', 'PG', 'HD', 'CVX',
  'KO', 'PEP', 'BAC', 'COST', 'AVGO', 'ORCL', 'ADBE', 'CRM', 'NFLX', 'AMD',
  'INTC', 'CSCO', 'DIS', 'NKE', 'MCD', 'BA', 'GS', 'MS', 'IBM', 'QCOM',
] as const;

export const UNIVERSE_SIZE = 500;


function buildUniverse(): readonly string[] {
  const out = new Set<string>(NAMED);
  const rnd = seededRandom(0x5eed);
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
