/**
 * What the connection manager tells the holders of a client (connection.ts): every switch
 * to another node, and both stages of every promotion.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../../lib/1-ground/log.js';
import type { RedisAddress } from './settings.js';
import type { SuspectWindow } from './suspect-window.js';

export type SwitchCause = 'policy' | 'readonly';

/** The process talks to another node now: whoever holds the old client moves to `client`. */
export interface RedisSwitch {
  readonly client: Redis;
  readonly address: RedisAddress;
  readonly cause: SwitchCause;
}

/**
 * A promotion, in two stages. `learned`: the published epoch rose, or a READONLY reply came;
 * writes in `window` may have died with the old primary. It comes before the switch, so
 * nothing reads the new primary trusting them. `switched`: the switch (if any) is done, and
 * what was cached or written in `window` can be repaired on the current primary.
 */
export interface PromotionEvent {
  readonly stage: 'learned' | 'switched';
  readonly window: SuspectWindow;
  readonly epoch: number | null;
}

/** Subscribers to one kind of event: one that throws is logged, and the others still hear it. */
export class Listeners<E> {
  private readonly fns = new Set<(e: E) => void>();
  constructor(private readonly logger: Logger) {}

  add(f: (e: E) => void): () => void {
    this.fns.add(f);
    return () => void this.fns.delete(f);
  }

  emit(e: E): void {
    for (const f of [...this.fns]) {
      try {
        f(e);
      } catch (err) {
        this.logger.warn('a Redis event listener failed', { err });
      }
    }
  }

  clear(): void {
    this.fns.clear();
  }
}
