/**
 * A chaos wrapper around a REAL ioredis client: the same server, with failures or delays
 * injected in front of chosen commands, and every command recorded. Reused by e2e.
 */
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';

const WRAPPED = new Set(['get', 'set', 'del', 'eval', 'evalsha', 'publish', 'exists', 'pttl', 'incr']);

export interface RecordedCommand {
  readonly command: string;
  readonly args: readonly unknown[];
}

export interface ChaosRedis {
  /** Use this where a Redis client is expected. */
  readonly redis: Redis;
  /** Every wrapped command sent through `redis`, in order. */
  readonly calls: RecordedCommand[];
  /** Every wrapped command now fails with an error, as when the server is unreachable. */
  alwaysThrow(): ChaosRedis;
  /** Every wrapped command now waits a uniform [minMs, maxMs) before reaching the server. */
  delay(minMs: number, maxMs: number, random?: () => number): ChaosRedis;
  /** Back to plain pass-through. */
  normal(): ChaosRedis;
}

export class InjectedRedisError extends Error {
  readonly code = 'E_CHAOS_INJECTED';
  constructor(command: string) {
    super(`chaos: injected failure of ${command}`);
  }
}

export function chaos(real: Redis): ChaosRedis {
  let mode:
    | { kind: 'normal' }
    | { kind: 'throw' }
    | { kind: 'delay'; min: number; max: number; random: () => number } = {
    kind: 'normal',
  };
  const calls: RecordedCommand[] = [];
  const wrap =
    (command: string, fn: (...a: unknown[]) => Promise<unknown>) =>
    async (...args: unknown[]): Promise<unknown> => {
      calls.push({ command, args });
      if (mode.kind === 'throw') throw new InjectedRedisError(command);
      if (mode.kind === 'delay') await sleep(mode.min + mode.random() * (mode.max - mode.min));
      return fn.apply(real, args);
    };
  const redis = new Proxy(real, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop === 'string' && WRAPPED.has(prop) && typeof v === 'function') {
        return wrap(prop, v as (...a: unknown[]) => Promise<unknown>);
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const api: ChaosRedis = {
    redis,
    calls,
    alwaysThrow: () => ((mode = { kind: 'throw' }), api),
    delay: (min, max, random = Math.random) => ((mode = { kind: 'delay', min, max, random }), api),
    normal: () => ((mode = { kind: 'normal' }), api),
  };
  return api;
}
