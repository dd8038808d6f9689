/**
 * Owner of background refreshes: at most one per key, at most `maxPending` waiting, at most
 * `concurrency` running. `close()` drops what has not started and waits for what runs, so no
 * refresh outlives the cache.
 */
export type Task = () => Promise<void>;

export class BackgroundQueue {
  private readonly pending = new Map<string, Task>();
  private readonly running = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly concurrency: number,
    private readonly maxPending: number,
    private readonly onError: (key: string, err: unknown) => void,
  ) {}

  /** Schedules `task` for `key` unless one is already pending or running; false when refused. */
  schedule(key: string, task: Task): boolean {
    if (this.closed || this.pending.has(key) || this.running.has(key)) return false;
    if (this.pending.size >= this.maxPending) return false;
    this.pending.set(key, task);
    this.pump();
    return true;
  }

  has(key: string): boolean {
    return this.pending.has(key) || this.running.has(key);
  }

  get size(): number {
    return this.pending.size + this.running.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pending.clear();
    await Promise.all(this.running.values());
  }

  /** Resolves when nothing is pending or running (tests and warmup use it). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.pending.size > 0) {
      const [key, task] = this.pending.entries().next().value as [string, Task];
      this.pending.delete(key);
      const run = task()
        .catch((err: unknown) => this.onError(key, err))
        .finally(() => {
          this.running.delete(key);
          this.pump();
        });
      this.running.set(key, run);
    }
  }
}
