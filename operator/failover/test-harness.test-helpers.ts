/**
 * Real redis-server processes plus in-memory seams for the brain (status record, labels,
 * published primary). The tests drive the brain on testkit's stepping FakeClock: its sleeps
 * advance fake time while yielding briefly to real I/O. Used by the failover integration tests.
 */
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../testkit/redis.js';
import { NotLeaderError } from '../../lib/2-kube/errors.js';
import type { FailoverConfig, FailoverSeams } from './brain.js';
import type { WarmupRequest } from '../../lib/3-policy/warmup.js';
import { emptyRecord, type RedisRecord } from './decide.js';
import type { Published, RedisPod } from './world.js';

/** The failover settings every brain integration test runs with (detectAfter 1.5 s, checks every 250 ms). */
export const TEST_CONFIG: FailoverConfig = {
  redis: 'redis',
  enabled: true,
  detectAfterMs: 1500,
  checkIntervalMs: 250,
  warmup: { onColdRedis: true, topKeys: 100, ratePerSecond: 300 },
  instances: 3,
};

export interface Node {
  name: string;
  server: RedisServer;
  deleting: boolean;
  gone: boolean;
}

export class MemorySeams implements FailoverSeams {
  record: RedisRecord = emptyRecord;
  label: string | null = null;
  published: Published = { primary: null, epoch: 0 };
  publishedAddress: string | null = null;
  warmups: WarmupRequest[] = [];
  events: Array<{ type: string; reason: string }> = [];
  /** Chaos: throw from saveRecord once the recorded step equals this (the "operator killed" point). */
  crashAfterStep: string | null = null;
  /** Chaos: this operator loses its Lease once the recorded step equals this. */
  deposeAfterStep: string | null = null;
  leading = true;
  /** Mutating steps refused because the leader was deposed. */
  refused = 0;

  constructor(readonly nodes: Node[]) {}

  pods(): Promise<RedisPod[]> {
    return Promise.resolve(
      this.nodes
        .filter((n) => !n.gone)
        .map((n) => ({
          name: n.name,
          host: n.server.host,
          port: n.server.port,
          ready: n.server.child.exitCode === null && n.server.child.signalCode === null,
          deleting: n.deleting,
          labelledPrimary: this.label === n.name,
          // The process identity Kubernetes would report: the pid while it has not exited.
          process: n.server.child.exitCode === null && n.server.child.signalCode === null ? String(n.server.child.pid) : null,
        })),
    );
  }
  loadRecord = () => Promise.resolve(this.record);
  saveRecord = (r: RedisRecord) => {
    this.record = r;
    if (this.deposeAfterStep !== null && r.promotion?.step === this.deposeAfterStep) this.leading = false;
    if (this.crashAfterStep !== null && r.promotion?.step === this.crashAfterStep) {
      return Promise.reject(new Error('operator killed (chaos)'));
    }
    return Promise.resolve();
  };
  moveLabel = (to: string) => {
    this.label = to;
    return Promise.resolve();
  };
  readPublished = () => Promise.resolve(this.published);
  publish = (p: { primary: RedisPod; epoch: number; warmup?: WarmupRequest }) => {
    this.published = { primary: p.primary.name, epoch: p.epoch };
    this.publishedAddress = `${p.primary.host}:${p.primary.port}`;
    if (p.warmup) this.warmups.push(p.warmup);
    return Promise.resolve();
  };
  ensureLeading = () => {
    if (this.leading) return Promise.resolve();
    this.refused++;
    return Promise.reject(new NotLeaderError('test-operator'));
  };
  event = (type: 'Normal' | 'Warning', reason: string) => {
    this.events.push({ type, reason });
  };
}

/** A primary plus `replicas` replicas, all real redis-server processes (with `password`: all require AUTH). */
export async function startTopology(replicas: number, o: { password?: string } = {}): Promise<Node[]> {
  const primary = await startRedis({ name: 'redis-0', ...o });
  const nodes: Node[] = [{ name: 'redis-0', server: primary, deleting: false, gone: false }];
  for (let i = 1; i <= replicas; i++) {
    const server = await startRedis({ name: `redis-${i}`, replicaOf: { host: primary.host, port: primary.port }, ...o });
    nodes.push({ name: `redis-${i}`, server, deleting: false, gone: false });
  }
  await waitSynced(nodes);
  return nodes;
}

export async function waitSynced(nodes: Node[]): Promise<void> {
  for (const n of nodes.slice(1)) {
    await untilTrue(async () => (await info(n.server)).includes('master_link_status:up'));
  }
}

export async function untilTrue(f: () => Promise<boolean>, tries = 500): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition never became true');
}

/** A short-lived client; it authenticates when the server was started with a password. */
export async function withClient<T>(s: { host: string; port: number; password?: string }, f: (c: Redis) => Promise<T>): Promise<T> {
  const c = new Redis({ host: s.host, port: s.port, password: s.password, maxRetriesPerRequest: 1, lazyConnect: true });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return await f(c);
  } finally {
    c.disconnect();
  }
}

export const info = (s: RedisServer) => withClient(s, (c) => c.call('INFO', 'replication') as Promise<string>);
export const role = async (s: RedisServer) => ((await info(s)).match(/role:(\w+)/)?.[1] ?? '') as 'master' | 'slave';
