/**
 * Counts Redis commands per key, measured by Redis itself through MONITOR on a separate
 * connection. Each top-level command counts once (a Lua script is one atomic operation; the
 * commands it runs inside are reported with source "lua" and not counted again).
 */
import { Redis } from 'ioredis';

const NO_KEY = new Set(['ping', 'info', 'client', 'select', 'monitor', 'hello', 'auth', 'script', 'time', 'config', 'command', 'quit', 'dbsize', 'flushall', 'scan', 'pubsub']);
const ALL_KEYS = new Set(['mget', 'del', 'unlink', 'exists', 'touch', 'subscribe', 'unsubscribe', 'watch']);

/** The keys (and pub/sub channels) one command touches. */
export function keysOf(args: readonly string[]): string[] {
  const cmd = (args[0] ?? '').toLowerCase();
  if (NO_KEY.has(cmd) || args.length < 2) return [];
  if (cmd === 'eval' || cmd === 'evalsha' || cmd === 'eval_ro' || cmd === 'evalsha_ro' || cmd === 'fcall') {
    const n = Number(args[2]);
    return Number.isInteger(n) && n > 0 ? args.slice(3, 3 + n) : [];
  }
  if (cmd === 'mset' || cmd === 'msetnx') return args.slice(1).filter((_, i) => i % 2 === 0);
  if (ALL_KEYS.has(cmd)) return args.slice(1);
  return [args[1] as string];
}

export class KeyOpsSampler {
  private readonly counts = new Map<string, number>();
  private commands = 0;
  private monitor: Awaited<ReturnType<Redis['monitor']>> | undefined;
  private readonly client: Redis;

  constructor(url: string) {
    this.client = new Redis(url, { lazyConnect: true });
  }

  async start(): Promise<void> {
    await this.client.connect();
    this.monitor = await this.client.monitor();
    this.monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === 'lua') return;
      this.commands += 1;
      for (const k of keysOf(args)) this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    });
  }

  async stop(): Promise<{ commands: number; top: Array<{ key: string; ops: number }> }> {
    this.monitor?.disconnect();
    this.client.disconnect();
    await Promise.resolve();
    const top = [...this.counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([key, ops]) => ({ key, ops }));
    return { commands: this.commands, top };
  }
}
