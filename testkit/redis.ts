import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { freePort, startProcess, tempDir, waitFor, type Managed } from './process.js';

export interface RedisServer extends Managed {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Set when started with `password`: clients must AUTH (the url carries it). */
  readonly password?: string;
}

export const REDIS_SERVER = process.env['HERDGUARD_REDIS_SERVER'] ?? '/usr/bin/redis-server';

export function requireRedisServer(): void {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(
      `redis-server not found at ${REDIS_SERVER}: run "bash scripts/setup.sh" (installs Debian's redis-server) or set HERDGUARD_REDIS_SERVER`,
    );
  }
}

/**
 * A real redis-server on loopback with its own --dir. No persistence: a restart is a cold
 * cache unless a replica was promoted, which is exactly what the failover tests need.
 * `password` starts it as the chart does: `requirepass` and `masterauth` (replicas of it
 * must be started with the same password). `extraArgs` are appended as they are (e.g. the
 * chart's ACL users, charts/tests/redis-pods.ts).
 */
export async function startRedis(
  opts: {
    port?: number;
    host?: string;
    replicaOf?: { host: string; port: number };
    name?: string;
    logDir?: string;
    password?: string;
    extraArgs?: readonly string[];
  } = {},
): Promise<RedisServer> {
  requireRedisServer();
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  const dir = tempDir(`redis-${port}`);
  const args = [
    '--port', String(port), '--bind', host, '--dir', dir, '--save', '', '--appendonly', 'no',
    '--protected-mode', 'no', '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0',
    '--maxclients', '10000', '--loglevel', 'warning',
  ];
  if (opts.password !== undefined) args.push('--requirepass', opts.password, '--masterauth', opts.password);
  if (opts.replicaOf) args.push('--replicaof', opts.replicaOf.host, String(opts.replicaOf.port));
  args.push(...(opts.extraArgs ?? []));
  const proc = startProcess(opts.name ?? `redis-${port}`, REDIS_SERVER, args, { logDir: opts.logDir ?? dir });
  await waitFor(`redis-server on ${host}:${port}`, async () => {
    const c = new Redis({ host, port, password: opts.password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => undefined); // refused until the server listens; the probe retries
    try {
      await c.connect();
      return (await c.ping()) === 'PONG';
    } finally {
      c.disconnect();
    }
  });
  if (opts.password === undefined) return { ...proc, host, port, url: `redis://${host}:${port}`, dir };
  return { ...proc, host, port, url: `redis://:${encodeURIComponent(opts.password)}@${host}:${port}`, dir, password: opts.password };
}
