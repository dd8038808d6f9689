/** Waits for the first Redis connection at startup, so the service never reports ready without its store. */
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { HerdguardError, redactCredentials } from '../../lib/1-ground/errors.js';

export async function waitForRedis(redis: Redis, url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const shown = redactCredentials(url);
  while (redis.status !== 'ready') {
    if (Date.now() > deadline) {
      throw new HerdguardError('E_REDIS_UNAVAILABLE', `could not connect to Redis at ${shown} within ${timeoutMs}ms; check REDIS_URL`, { url: shown });
    }
    await sleep(50);
  }
}
