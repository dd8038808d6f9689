/**
 * Tries a write on every Redis node every 50 ms and records which accepted it: the most
 * nodes that accepted a write in one round is `maxWritablePrimaries` (1 at every instant,
 * 0 allowed during a switch). A replica answers READONLY, a fenced primary NOREPLICAS, a
 * stalled or cut-off one nothing; none of those count.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

const ROUND_MS = 50;

export class WriteProbe {
  maxWritablePrimaries = 0;
  /** Rounds in which no node accepted a write (a switch, or a fenced primary). */
  roundsWithoutWriter = 0;
  rounds = 0;
  /** Once armed: when a node other than the excluded one first accepted a write. */
  newWriterAt: number | undefined;
  private newWriterExclude: string | undefined;
  /** Per node: the last time it accepted a write (performance.now()). */
  readonly lastAccepted = new Map<string, number>();
  private readonly clients = new Map<string, Redis>();
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(nodes: Record<string, { host: string; port: number; password?: string }>) {
    for (const [name, addr] of Object.entries(nodes)) {
      const c = new Redis({
        ...addr, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 200, commandTimeout: 200, retryStrategy: () => 50,
      });
      c.on('error', () => undefined); // a node that does not answer is an observation
      this.clients.set(name, c);
    }
  }

  start(): void {
    for (const c of this.clients.values()) c.connect().catch(() => undefined);
    this.loop = this.run(this.abort.signal);
  }

  /** Watches for the first write accepted by a node other than `exclude` from now on. */
  armNewWriter(exclude: string): void {
    this.newWriterAt = undefined;
    this.newWriterExclude = exclude;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    for (const c of this.clients.values()) c.disconnect();
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = performance.now();
      const accepted = await Promise.all(
        [...this.clients].map(([name, c]) =>
          c.set(`herdguard:e2e:write-probe:${name}`, String(Date.now())).then(
            () => {
              const now = performance.now();
              this.lastAccepted.set(name, now);
              if (this.newWriterExclude !== undefined && name !== this.newWriterExclude) this.newWriterAt ??= now;
              return 1;
            },
            () => 0,
          ),
        ),
      );
      const writers = accepted.reduce<number>((a, b) => a + b, 0);
      this.rounds++;
      if (writers === 0) this.roundsWithoutWriter++;
      this.maxWritablePrimaries = Math.max(this.maxWritablePrimaries, writers);
      await sleep(Math.max(0, started + ROUND_MS - performance.now()), undefined, { signal }).catch(() => undefined);
    }
  }
}
