/**
 * Hits per symbol, the number every stampede figure is computed from. Keys are universe
 * symbols only; anything else is counted once under "other", so the map is bounded.
 */
export interface SymbolCounts {
  ok: number;
  limited: number;
}

export interface StatsSnapshot {
  readonly total: number;
  readonly ok: number;
  readonly limited: number;
  readonly unknown: number;
  readonly malformed: number;
  /** Only symbols that were requested at least once. */
  readonly perSymbol: Readonly<Record<string, SymbolCounts>>;
}

export class HitStats {
  private perSymbol = new Map<string, SymbolCounts>();
  private unknown = 0;
  private malformed = 0;

  record(symbol: string, outcome: 'ok' | 'limited'): void {
    let c = this.perSymbol.get(symbol);
    if (!c) this.perSymbol.set(symbol, (c = { ok: 0, limited: 0 }));
    c[outcome] += 1;
  }

  recordUnknown(): void {
    this.unknown += 1;
  }

  recordMalformed(): void {
    this.malformed += 1;
  }

  reset(): void {
    this.perSymbol = new Map();
    this.unknown = 0;
    this.malformed = 0;
  }

  snapshot(): StatsSnapshot {
    let ok = 0;
    let limited = 0;
    const perSymbol: Record<string, SymbolCounts> = {};
    for (const [s, c] of this.perSymbol) {
      ok += c.ok;
      limited += c.limited;
      perSymbol[s] = { ...c };
    }
    return { total: ok + limited + this.unknown + this.malformed, ok, limited, unknown: this.unknown, malformed: this.malformed, perSymbol };
  }
}
