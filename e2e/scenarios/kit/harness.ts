/**
 * The one setup of the Redis chaos scenarios: the stack, a RedisWatcher on every Redis pod
 * (and, when asked, a WriteProbe), the per-second sampler and the profile load, started once
 * every profile has been read through the services, then a warm period before the fault.
 * `withRedisChaos` owns them all: they stop in its `finally`, whatever the scenario does.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ScenarioContext } from '../scenario.js';
import { WriteProbe } from './write-probe.js';
import type { KubeApi } from './kube-api.js';
import { USERS } from './policies.js';
import { ProfileLoad } from './profile-load.js';
import { primeAll } from './profile-reads.js';
import { RedisWatcher } from './redis-watcher.js';
import { SecondSampler } from './second-sampler.js';
import { deployRedisStack, profileEndpoints, type StackOptions } from './stack.js';

export type RedisAddress = { host: string; port: number; password: string };

export interface ChaosOptions extends StackOptions {
  readonly getsPerSecond: number;
  /** Tracked PUTs on ids 1..ids, checked against every later GET. */
  readonly writes?: { readonly ids: number; readonly putsPerSecond: number };
  /** Load before the scenario's fault, so the fault meets a cache in its steady state. */
  readonly warmMs: number;
  /** A write attempted on every Redis node every 50 ms (the split-brain scenarios). */
  readonly writeProbe?: boolean;
  /** A stack already deployed with deployRedisStack with `redisPods` pods; its owner closes it. */
  readonly deployed?: KubeApi;
}

export class RedisChaos {
  /** The Redis processes, redis-0 … redis-(n-1), and their addresses. */
  readonly names: readonly string[];
  readonly pods: Readonly<Record<string, RedisAddress>>;
  /** The profile instances' HTTP endpoints. */
  readonly endpoints: readonly string[];
  readonly watcher: RedisWatcher;
  readonly probe: WriteProbe | undefined;
  readonly sampler: SecondSampler;
  readonly load: ProfileLoad;

  constructor(
    private readonly ctx: ScenarioContext,
    readonly api: KubeApi,
    private readonly o: ChaosOptions,
  ) {
    const p = ctx.provider;
    this.names = Array.from({ length: o.redisPods }, (_, i) => `redis-${i}`);
    this.pods = Object.fromEntries(this.names.map((n) => [n, p.redisAddress(n)]));
    this.endpoints = profileEndpoints(p);
    this.watcher = new RedisWatcher(this.pods);
    this.probe = o.writeProbe ? new WriteProbe(this.pods) : undefined;
    this.sampler = new SecondSampler(p.databaseUrl(), this.endpoints);
    this.load = new ProfileLoad({ endpoints: this.endpoints, getsPerSecond: o.getsPerSecond, ...(o.writes ? { writes: o.writes } : {}) });
  }

  /** The write probe the options asked for (writeProbe: true). */
  writeProbe(): WriteProbe {
    if (!this.probe) throw new Error('no write probe: the scenario did not set ChaosOptions.writeProbe');
    return this.probe;
  }

  /** The one primary before the fault; throws naming what was seen when there is not exactly one. */
  onePrimary(before: string): string {
    const seen = this.watcher.primaries();
    const primary = seen[0];
    if (!primary || seen.length !== 1) throw new Error(`expected one primary before the ${before}, saw ${seen.join(', ') || 'none'}`);
    return primary;
  }

  async start(): Promise<void> {
    this.watcher.start();
    this.probe?.start();
    await primeAll(this.endpoints, USERS);
    this.ctx.log(`primed: all ${USERS} profiles read once through the services`);
    await this.sampler.start();
    this.load.start();
    const w = this.o.writes;
    this.ctx.log(`load: ${this.o.getsPerSecond} GET/s${w ? ` + ${w.putsPerSecond} PUT/s on ids 1..${w.ids}` : ''}; warming ${this.o.warmMs / 1000} s`);
    await sleep(this.o.warmMs);
  }

  /** Stops everything started; each part's stop is safe whether or not it started. */
  async stop(): Promise<void> {
    await this.load.stop();
    await this.sampler.stop();
    await this.probe?.stop();
    await this.watcher.stop();
    if (!this.o.deployed) this.api.close();
  }
}

/** Deploys the stack (unless given one), starts the harness, runs `body`, and stops it all. */
export async function withRedisChaos<T>(ctx: ScenarioContext, o: ChaosOptions, body: (h: RedisChaos) => Promise<T>): Promise<T> {
  const h = new RedisChaos(ctx, o.deployed ?? (await deployRedisStack(ctx, o)), o);
  try {
    await h.start();
    return await body(h);
  } finally {
    await h.stop();
  }
}
