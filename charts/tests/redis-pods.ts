/**
 * The chart's Redis as its pods run it, on loopback: start.sh and users.acl as helm renders
 * them, one password file per ACL user (what the pod's Secret volume holds), and a PATH shim
 * binding the real redis-server start.sh execs to 127.0.0.1. REDIS_PEERS stands in for the
 * headless Service names, REDIS_PORT/REDIS_CONF/REDIS_DATA_DIR/REDIS_ACL_RULES/
 * REDIS_SECRETS_DIR for the pod's fixed port and paths.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { freePort, startProcess, tempDir, waitFor, type Managed } from '../../testkit/process.js';
import { REDIS_SERVER } from '../../testkit/redis.js';
import { find, render } from './helm.js';

export type Role = 'services' | 'operator' | 'replication' | 'probe' | 'default';

/** The ACL user of each role (templates/_helpers.tpl herdguard.redis.user). */
export const USER: Record<Role, string> = {
  services: 'hg-services',
  operator: 'hg-operator',
  replication: 'hg-replication',
  probe: 'hg-probe',
  default: 'default',
};

/**
 * Passwords with what breaks naive quoting: `"` and `\` (redis.conf), `@ / # % :` (URLs),
 * `'`, `$` and spaces (shell).
 */
export const NASTY_PASSWORDS: Record<Role, string> = {
  services: 's3rv!ces@/#%41:?&pw',
  operator: `op "admin" 'quoted' $HOME`,
  replication: String.raw`re"pl\ica\"tion\\ $x @/#%`,
  probe: 'pr0be pw',
  default: 'default-test-pw',
};

export interface ChartRedis {
  readonly dir: string;
  readonly secretsDir: string;
  readonly passwords: Record<Role, string>;
  readonly startSh: string;
  readonly usersAcl: string;
}

/** Renders the chart with these passwords and writes start.sh, users.acl and the password files. */
export function renderChartRedis(o: { passwords?: Partial<Record<Role, string>>; defaultUser?: boolean } = {}): ChartRedis {
  const passwords = { ...NASTY_PASSWORDS, ...o.passwords };
  const docs = render({ values: { redis: { auth: { passwords, defaultUser: { enabled: o.defaultUser ?? false } } } } });
  const cm = find(docs, 'ConfigMap', 'hg-herdguard-redis-scripts');
  const dir = tempDir('chart-redis');
  const secretsDir = join(dir, 'secrets');
  mkdirSync(secretsDir);
  const data = cm['data'] as Record<string, string>;
  const startSh = data['start.sh']!;
  const usersAcl = data['users.acl']!;
  writeFileSync(join(dir, 'start.sh'), startSh);
  writeFileSync(join(dir, 'users.acl'), usersAcl);
  writeFileSync(join(dir, 'redis-server'), `#!/bin/sh\nexec ${REDIS_SERVER} "$@" --bind 127.0.0.1\n`);
  chmodSync(join(dir, 'redis-server'), 0o755);
  const roles = Object.keys(USER) as Role[];
  for (const role of roles) if (role !== 'default' || o.defaultUser) writeFileSync(join(secretsDir, USER[role]), passwords[role]);
  return { dir, secretsDir, passwords, startSh, usersAcl };
}

export interface ChartPod {
  readonly port: number;
  /** redis.conf as start.sh wrote it. */
  readonly conf: string;
  readonly confPath: string;
  readonly log: string;
  readonly proc: Managed;
}

/** Runs start.sh as pod `redis-<ordinal>` with these peers; resolves once its Redis answers hg-probe's PING. */
export async function startChartPod(r: ChartRedis, ordinal: number, peers: readonly string[], env: Record<string, string> = {}): Promise<ChartPod> {
  const port = await freePort();
  const dir = tempDir(`chart-redis-${ordinal}`);
  const confPath = join(dir, 'redis.conf');
  const proc = startProcess(`start-sh-${ordinal}`, 'sh', [join(r.dir, 'start.sh')], {
    logDir: dir,
    env: {
      PATH: `${r.dir}:${process.env['PATH'] ?? ''}`,
      HOSTNAME: `redis-${ordinal}`,
      STATEFULSET: 'redis',
      HEADLESS_HOST: 'redis-headless.shop.svc',
      REDIS_REPLICAS: '3',
      POD_IP: '127.0.0.1',
      REDIS_MAXMEMORY: '64mb',
      REDIS_MAXMEMORY_POLICY: 'allkeys-lru',
      REDIS_APPENDONLY: 'no',
      REDIS_PORT: String(port),
      REDIS_CONF: confPath,
      REDIS_PEERS: peers.join(' '),
      REDIS_DATA_DIR: dir,
      REDIS_ACL_RULES: join(r.dir, 'users.acl'),
      REDIS_SECRETS_DIR: r.secretsDir,
      ...env,
    },
  });
  await waitFor(`start.sh of redis-${ordinal}`, async () => {
    if (proc.child.exitCode !== null) throw new Error(`start.sh exited ${proc.child.exitCode}: ${readFileSync(proc.logFile, 'utf8')}`);
    return (await withUser(r, 'probe', port, (c) => c.ping()).catch(() => '')) === 'PONG';
  });
  return { port, conf: readFileSync(confPath, 'utf8'), confPath, log: readFileSync(proc.logFile, 'utf8'), proc };
}

/** A client logged in as the role's user; the caller disconnects it. */
export function clientAs(r: ChartRedis, role: Role, port: number, opts: RedisOptions = {}): Redis {
  const c = new Redis({
    host: '127.0.0.1',
    port,
    ...(role === 'default' ? {} : { username: USER[role] }),
    password: r.passwords[role],
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...opts,
  });
  c.on('error', () => undefined);
  return c;
}

/** Runs `f` on a fresh connection as the role's user. */
export async function withUser<T>(r: ChartRedis, role: Role, port: number, f: (c: Redis) => Promise<T>): Promise<T> {
  const c = clientAs(r, role, port);
  try {
    await c.connect();
    return await f(c);
  } finally {
    c.disconnect();
  }
}

/** INFO replication, asked as the operator (as the failover brain does). */
export const replicationInfo = (r: ChartRedis, port: number): Promise<string> =>
  withUser(r, 'operator', port, async (c) => (await c.call('INFO', 'replication')) as string);

export async function roleOf(r: ChartRedis, port: number): Promise<{ role: string | undefined; masterPort: number }> {
  const info = await replicationInfo(r, port);
  return { role: /role:(\w+)/.exec(info)?.[1], masterPort: Number(/master_port:(\d+)/.exec(info)?.[1] ?? 0) };
}

/**
 * redis-server arguments that give a plain test Redis (testkit/redis.ts, default user with
 * a password) the chart's probe and replication users, so a chart pod can ask it and
 * replicate it.
 */
export function peerUserArgs(r: ChartRedis): string[] {
  const user = (role: Role, ...rules: string[]) => ['--user', USER[role], 'on', `>${r.passwords[role]}`, ...rules];
  return [...user('probe', '+ping', '+info', '+dbsize'), ...user('replication', '+psync', '+replconf', '+ping')];
}
