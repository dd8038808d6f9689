/**
 * The chart's Redis ACL users on a real redis-server started by the chart's own start.sh with
 * the rendered users.acl: what each user is refused, that the default user cannot log in, and
 * how the passwords are written. (What each user needs, run by the real clients:
 * redis-acl-clients.int.test.ts.)
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcess, tempDir, waitFor } from '../../testkit/process.js';
import { clientAs, renderChartRedis, roleOf, startChartPod, USER, withUser, type ChartPod, type ChartRedis, type Role } from './redis-pods.js';

let chart: ChartRedis;
let primary: ChartPod;
let replica: ChartPod;

beforeAll(async () => {
  chart = renderChartRedis();
  primary = await startChartPod(chart, 0, []);
  replica = await startChartPod(chart, 1, [`127.0.0.1:${primary.port}`]);
});
afterAll(async () => {
  await Promise.all([primary?.proc.stop(1000), replica?.proc.stop(1000)]);
});

/** The reply's first word (Redis's error code), or OK-ish replies as 'ok'. */
async function attempt(role: Role, command: readonly string[], port = primary.port): Promise<string> {
  return withUser(chart, role, port, async (c) => {
    try {
      await c.call(command[0]!, ...command.slice(1));
      return 'ok';
    } catch (err) {
      return (err as Error).message.split(' ')[0]!;
    }
  });
}

const EVERYONE_DENIED = [
  ['FLUSHALL'],
  ['FLUSHDB'],
  ['KEYS', '*'],
  ['SCAN', '0'],
  ['CONFIG', 'GET', 'maxmemory'],
  ['ACL', 'LIST'],
  ['ACL', 'SETUSER', 'intruder', 'on', '>x', '+@all'],
  ['SHUTDOWN', 'NOSAVE'],
  ['MONITOR'],
  ['CLIENT', 'KILL', 'TYPE', 'normal'],
  ['SCRIPT', 'FLUSH'],
  ['BGSAVE'],
  ['SWAPDB', '0', '1'],
  ['MODULE', 'LIST'],
];

const DENIED: Record<Exclude<Role, 'default'>, string[][]> = {
  services: [['CONFIG', 'SET', 'maxmemory', '1mb'], ['REPLICAOF', 'NO', 'ONE'], ['FAILOVER'], ['DBSIZE'], ['PUBLISH', 'other-channel', 'x'], ['SUBSCRIBE', 'other-channel']],
  operator: [['GET', 'user:1'], ['SET', 'user:1', 'x'], ['DEL', 'user:1'], ['EVAL', "return redis.call('GET', KEYS[1])", '1', 'user:1'], ['PUBLISH', 'hg:filled:profile', 'x'], ['SUBSCRIBE', 'hg:filled:profile'], ['PING']],
  replication: [['GET', 'user:1'], ['SET', 'user:1', 'x'], ['INFO'], ['CONFIG', 'SET', 'maxmemory', '1mb'], ['REPLICAOF', 'NO', 'ONE']],
  probe: [['GET', 'user:1'], ['SET', 'user:1', 'x'], ['DEL', 'user:1'], ['CONFIG', 'SET', 'maxmemory', '1mb'], ['REPLICAOF', 'NO', 'ONE'], ['SUBSCRIBE', 'hg:filled:profile']],
};

const ALLOWED: Record<Exclude<Role, 'default'>, string[][]> = {
  services: [['PING'], ['SET', 'user:1', 'x'], ['GET', 'user:1'], ['INFO', 'replication'], ['PUBLISH', 'hg:filled:profile', 'x'], ['PUBLISH', 'herdguard:feed:quote:SPY', 'x']],
  operator: [['INFO', 'server', 'replication'], ['DBSIZE'], ['GET', 'hg:epoch']],
  replication: [['PING']],
  probe: [['PING'], ['INFO', 'replication'], ['DBSIZE']],
};

const named = (commands: string[][]) => commands.map((command) => ({ name: command.join(' '), command }));

describe.each(Object.keys(DENIED) as Array<Exclude<Role, 'default'>>)('the chart Redis user for %s', (role) => {
  it.each(named([...EVERYONE_DENIED, ...DENIED[role]]))('is refused $name (NOPERM)', async ({ command }) => {
    expect(await attempt(role, command)).toBe('NOPERM');
  });

  it.each(named(ALLOWED[role]))('may run $name', async ({ command }) => {
    expect(await attempt(role, command)).toBe('ok');
  });

  it('is refused DEBUG (Redis refuses it to everyone before the ACL; ACL DRYRUN: the ACL refuses it too)', async () => {
    expect(await attempt(role, ['DEBUG', 'SLEEP', '0'])).toMatch(/^(NOPERM|ERR)$/);
  });
});

/** AUTH sent by hand on an unauthenticated connection: its reply, or the error's first word. */
async function auth(port: number, ...args: string[]): Promise<string> {
  const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return String(await c.call('AUTH', ...args));
  } catch (err) {
    return (err as Error).message;
  } finally {
    c.disconnect();
  }
}

describe('the default user', () => {
  it.each(Object.keys(USER) as Role[])('cannot log in with a bare AUTH and the %s password', async (role) => {
    expect(await auth(primary.port, chart.passwords[role])).toMatch(/^WRONGPASS/);
    expect(await auth(primary.port, 'default', chart.passwords[role])).toMatch(/^WRONGPASS/);
  });

  it('answers nothing before AUTH', async () => {
    const c = new Redis({ host: '127.0.0.1', port: primary.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false });
    c.on('error', () => undefined);
    await c.connect();
    await expect(c.ping()).rejects.toThrow(/^NOAUTH/);
    await expect(c.get('user:1')).rejects.toThrow(/^NOAUTH/);
    c.disconnect();
  });

  it('logs in with its password and may run every command only when redis.auth.defaultUser is on (the e2e harness)', async () => {
    const withDefault = renderChartRedis({ defaultUser: true });
    const pod = await startChartPod(withDefault, 0, []);
    try {
      const c = clientAs(withDefault, 'default', pod.port);
      await c.connect();
      expect(await c.call('ACL', 'WHOAMI')).toBe('default');
      expect(await c.set('k', 'v')).toBe('OK');
      expect(await c.call('ROLE')).toEqual(expect.arrayContaining(['master']));
      // The ACL alone (DEBUG is also refused by enable-debug-command): the role users are as without it.
      for (const user of ['hg-services', 'hg-operator', 'hg-replication', 'hg-probe']) {
        expect(await c.call('ACL', 'DRYRUN', user, 'DEBUG', 'SLEEP', '0'), user).toMatch(/no permissions to run the 'debug' command/);
        expect(await c.call('ACL', 'DRYRUN', user, 'CONFIG', 'GET', 'dir'), user).toMatch(/no permissions/);
      }
      c.disconnect();
    } finally {
      await pod.proc.stop(1000);
    }
  });
});

describe('the chart Redis pods', () => {
  it('replicate as hg-replication: the replica follows the primary with its link up', async () => {
    expect(await roleOf(chart, replica.port)).toEqual({ role: 'slave', masterPort: primary.port });
    await withUser(chart, 'services', primary.port, (c) => c.set('user:replicated', 'yes'));
    await waitFor('the write on the replica', async () => (await withUser(chart, 'services', replica.port, (c) => c.get('user:replicated'))) === 'yes');
  });

  it('write passwords into redis.conf only as SHA-256 hashes, except masterauth, quoted and escaped, in a file only Redis reads', () => {
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    for (const role of ['services', 'operator', 'replication', 'probe'] as const) {
      expect(primary.conf).toMatch(new RegExp(`^user ${USER[role]} reset on #${sha(chart.passwords[role])} `, 'm'));
    }
    expect(primary.conf).toMatch(/^user default reset$/m);
    expect(primary.conf).toContain(`masterauth "${chart.passwords.replication.replace(/[\\"]/g, (c) => `\\${c}`)}"`);
    for (const role of ['services', 'operator', 'probe'] as const) expect(primary.conf).not.toContain(chart.passwords[role]);
    expect(statSync(primary.confPath).mode & 0o777).toBe(0o600);
  });

  it('refuse to start with a password file ending in a newline, naming the file, never its content', async () => {
    const secret = 'with-a-newline-pw';
    const dir = tempDir('chart-redis-bad');
    const broken = renderChartRedis();
    writeFileSync(join(broken.secretsDir, USER.services), `${secret}\n`);
    const proc = startProcess('start-sh-bad', 'sh', [join(broken.dir, 'start.sh')], {
      logDir: dir,
      env: { PATH: process.env['PATH'] ?? '', HOSTNAME: 'redis-0', REDIS_CONF: join(dir, 'redis.conf'), REDIS_DATA_DIR: dir, REDIS_ACL_RULES: join(broken.dir, 'users.acl'), REDIS_SECRETS_DIR: broken.secretsDir },
    });
    expect(await proc.exited).not.toBe(0);
    await waitFor('the log of start.sh', () => Promise.resolve(readFileSync(proc.logFile, 'utf8').includes('start.sh:')));
    const log = readFileSync(proc.logFile, 'utf8');
    expect(log).toContain(`${broken.secretsDir}/hg-services must hold one password`);
    expect(log).not.toContain(secret);
  });
});

describe('a client of the chart Redis', () => {
  it('with a wrong password gets WRONGPASS, and the reply holds no password', async () => {
    const reply = await auth(primary.port, USER.services, 'not-the-password');
    expect(reply).toMatch(/^WRONGPASS/);
    expect(reply).not.toContain('not-the-password');
    expect(await auth(primary.port, USER.services, chart.passwords.services)).toBe('OK');
  });
});
