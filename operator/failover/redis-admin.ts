/**
 * The only module that sends REPLICAOF and FAILOVER (lint forbids them elsewhere): role
 * changes have one author, so "never two primaries" is reasoned about in one place.
 * Holds one admin connection per Redis pod, bounded by the StatefulSet's pods.
 */
import type { Redis } from 'ioredis';
import { EPOCH_KEY } from '../../lib/4-cache/lease/keys.js';
import { sleepOn, type Clock } from '../../lib/1-ground/clock.js';
import type { FenceSettings } from './fence.js';
import { PromotionStepError, RedisCommandError } from './errors.js';
import { acceptsConnections } from './port-check.js';
import { parseReplicationInfo } from './replication-info.js';
import { PodConnections } from './pod-connections.js';
import type { Probe, RedisPod } from './world.js';

export interface RedisAdmin {
  /** PING-equivalent health check: INFO server+replication and DBSIZE, within timeoutMs. */
  probe(pod: RedisPod): Promise<Probe>;
  /**
   * REPLICAOF NO ONE, the failover epoch (raised, never lowered) and the fence in one
   * MULTI: no client write lands on the new primary before its epoch and fence are set.
   * Without `o`, a bare REPLICAOF NO ONE (a promotion outside the brain, e.g. by hand).
   */
  replicaOfNoOne(pod: RedisPod, o?: Promotion): Promise<void>;
  replicaOf(pod: RedisPod, primary: RedisPod): Promise<void>;
  /**
   * Planned switchover; checks `to` follows `from` with its link up, then FAILOVER (Redis
   * pauses writes and waits until `to` has every one); resolves once `to` answers as
   * primary and carries the epoch.
   */
  failover(from: RedisPod, to: RedisPod, epoch: number): Promise<void>;
  /** min-replicas-to-write, min-replicas-max-lag and the replica ping period (fence.ts). */
  setFence(pod: RedisPod, s: FenceSettings): Promise<void>;
  /** Closes connections to pods no longer in the StatefulSet. */
  retain(pods: readonly RedisPod[]): void;
  close(): Promise<void>;
}

export interface RedisAdminOptions {
  readonly clock: Clock;
  /** Budget of one health check; below the check interval so checks never pile up. */
  readonly timeoutMs: number;
  /** How long FAILOVER may wait for the replica to catch up before Redis aborts it (writes resume on the old primary). */
  readonly failoverTimeoutMs?: number;
  /** The operator's ACL user (hg-operator in the chart); undefined: Redis's default user. */
  readonly username?: string;
  readonly password?: string;
}

export interface Promotion {
  readonly epoch: number;
  readonly fence: FenceSettings;
}

/** KEYS[1]=epoch key; ARGV[1]=epoch. Raises the node's failover epoch, never lowers it. */
const RAISE_EPOCH = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1]) end
return cur`;

const fenceArgs = (s: FenceSettings): string[] => [
  'min-replicas-to-write', String(s.minReplicasToWrite),
  'min-replicas-max-lag', String(s.maxLagSeconds),
  'repl-ping-replica-period', String(s.pingPeriodSeconds),
];

/**
 * Redis has no error codes beyond the reply's first words ("READONLY", "ERR FAILOVER
 * already in progress"): matching that prefix is matching the protocol, not prose.
 */
export function replyIs(err: unknown, prefix: string): boolean {
  return err instanceof Error && err.message.startsWith(prefix);
}

export function createRedisAdmin(o: RedisAdminOptions): RedisAdmin {
  const conns = new PodConnections(o);
  const failoverTimeoutMs = o.failoverTimeoutMs ?? 5000;
  const conn = (pod: RedisPod): Promise<Redis> => conns.get(pod);

  const run = async <T>(pod: RedisPod, command: string, f: (c: Redis) => Promise<T>): Promise<T> => {
    try {
      return await f(await conn(pod));
    } catch (err) {
      throw new RedisCommandError(pod.name, command, err);
    }
  };

  const probe = async (pod: RedisPod): Promise<Probe> => {
    try {
      const c = await conn(pod);
      const [info, keys] = await Promise.all([c.call('INFO', 'server', 'replication') as Promise<string>, c.dbsize()]);
      return { ok: true, info: parseReplicationInfo(info, keys) };
    } catch (err) {
      const hung = await acceptsConnections(pod.host, pod.port, o.timeoutMs);
      return { ok: false, error: err instanceof Error ? err.message : String(err), hung };
    }
  };

  /** `to` follows `from` with its link up, and `from` counts it online (Redis refuses FAILOVER TO a replica it does not). */
  const inSync = async (from: RedisPod, to: RedisPod): Promise<boolean> => {
    const [t, f] = await Promise.all([probe(to), probe(from)]);
    if (t.ok && t.info.role === 'master') return true; // already switched: FAILOVER below is a no-op wait
    const follows = t.ok && t.info.master?.host === from.host && t.info.master.port === from.port && t.info.master.linkUp;
    return follows && f.ok && f.info.onlineReplicas.some((r) => r.host === to.host && r.port === to.port);
  };

  const failover = async (from: RedisPod, to: RedisPod, epoch: number): Promise<void> => {
    // A replica in its first second after a sync is not online yet (it has not acknowledged): wait for it, bounded.
    const ready = o.clock.now() + failoverTimeoutMs;
    while (!(await inSync(from, to))) {
      if (o.clock.now() >= ready) {
        throw new PromotionStepError('failover', `${to.name} is not an online replica of ${from.name}: FAILOVER could not catch it up`, { from: from.name, to: to.name });
      }
      await sleepOn(o.clock, 20);
    }
    await run(from, 'FAILOVER', async (c) => {
      try {
        await c.call('FAILOVER', 'TO', to.host, String(to.port), 'TIMEOUT', String(failoverTimeoutMs));
      } catch (err) {
        // A previous leader may have started it already: waiting for it is the idempotent step.
        if (!replyIs(err, 'ERR FAILOVER already in progress')) throw err;
      }
    });
    const deadline = o.clock.now() + failoverTimeoutMs + o.timeoutMs * 4;
    while (o.clock.now() < deadline) {
      const p = await probe(to);
      // Best effort: FAILOVER lost nothing, so tokens from before it are still right; the epoch only keeps rising.
      if (p.ok && p.info.role === 'master') return raiseEpoch(to, epoch).catch(() => undefined);
      await sleepOn(o.clock, 20);
    }
    throw new PromotionStepError('failover', `FAILOVER from ${from.name} to ${to.name} did not complete in time`, {
      from: from.name,
      to: to.name,
    });
  };

  const raiseEpoch = (pod: RedisPod, epoch: number) =>
    run(pod, 'EPOCH', (c) => c.eval(RAISE_EPOCH, 1, EPOCH_KEY, String(epoch))).then(() => undefined);

  const replicaOfNoOne = (pod: RedisPod, p?: Promotion) =>
    run(pod, 'REPLICAOF NO ONE', async (c) => {
      if (!p) return void (await c.call('REPLICAOF', 'NO', 'ONE'));
      // Unfenced for the three commands that follow, or the epoch write would meet NOREPLICAS
      // before any replica follows; the MULTI lets no client in between.
      await c.call('CONFIG', 'SET', 'min-replicas-to-write', '0');
      const replies = await c.multi().call('REPLICAOF', 'NO', 'ONE').eval(RAISE_EPOCH, 1, EPOCH_KEY, String(p.epoch)).call('CONFIG', 'SET', ...fenceArgs(p.fence)).exec();
      const failed = replies?.find(([err]) => err !== null)?.[0];
      if (failed) throw failed;
    });

  return {
    probe,
    failover,
    replicaOfNoOne,
    setFence: (pod, s) => run(pod, 'CONFIG SET', (c) => c.call('CONFIG', 'SET', ...fenceArgs(s))).then(() => undefined),
    replicaOf: (pod, primary) =>
      run(pod, 'REPLICAOF', (c) => c.call('REPLICAOF', primary.host, String(primary.port))).then(() => undefined),
    retain: (pods) => conns.retain(pods),
    close: () => conns.close(),
  };
}
