/**
 * Local lease waiters, woken when a fill of their key is announced. Polling in the waiter
 * covers lost announcements and a dead subscriber, so a wake-up only shortens a wait, it is
 * never needed for correctness. Bounded by the waits in flight (each ends by its timer).
 */
type Wake = () => void;

export class FillWaiters {
  private readonly waiters = new Map<string, Set<Wake>>();

  /** Resolves when `key` is filled somewhere or after `ms`, whichever comes first. Never rejects. */
  wait(key: string, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      const wake: Wake = () => {
        clearTimeout(timer);
        const s = this.waiters.get(key);
        s?.delete(wake);
        if (s?.size === 0) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      set.add(wake);
    });
  }

  /** A fill of `key` was announced: every local waiter rereads now. */
  wake(key: string): void {
    const set = this.waiters.get(key);
    if (set) for (const wake of [...set]) wake();
  }
}
