/**
 * A write from inside a pod's own network namespace (redis-cli on 127.0.0.1) every 200 ms:
 * how long an isolated primary, out of everyone else's reach, still accepts writes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Provider } from '../../providers/provider.js';

export class InsideProbe {
  isolatedAt: number | undefined;
  lastAcceptedAt: number | undefined;
  attempts = 0;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly p: Provider,
    private readonly name: string,
  ) {}

  start(): void {
    this.isolatedAt = performance.now();
    this.loop = this.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { password } = this.p.redisAddress(this.name);
    while (!signal.aborted) {
      this.attempts++;
      const out = await this.p
        .inPodNetwork(
          this.name,
          [
            'redis-cli',
            '--no-auth-warning',
            '-h',
            '127.0.0.1',
            '-p',
            '6379',
            'SET',
            'herdguard:e2e:inside-probe',
            String(Date.now()),
          ],
          { REDISCLI_AUTH: password },
        )
        .catch(() => '');
      if (out.trim() === 'OK') this.lastAcceptedAt = performance.now();
      await sleep(200, undefined, { signal }).catch(() => undefined);
    }
  }
}
