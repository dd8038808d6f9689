/**
 * The bounded symbol list this service accepts. It doubles as the label set of
 * herdguard_quote_last_update_timestamp_seconds, so no client can create new series.
 */
import { SYMBOL_PATTERN, SYMBOLS } from '../feed-simulator/universe.js';
import { MalformedSymbolError, UnknownSymbolError } from './errors.js';

export class SymbolList {
  private readonly known: ReadonlySet<string>;
  constructor(readonly symbols: readonly string[] = SYMBOLS) {
    this.known = new Set(symbols);
  }

  /** The symbol, validated: MalformedSymbolError or UnknownSymbolError otherwise. */
  parse(raw: unknown): string {
    if (typeof raw !== 'string' || !SYMBOL_PATTERN.test(raw)) {
      throw new MalformedSymbolError(typeof raw === 'string' ? raw.slice(0, 40) : String(raw).slice(0, 40));
    }
    if (!this.known.has(raw)) throw new UnknownSymbolError(raw);
    return raw;
  }
}
