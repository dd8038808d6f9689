/**
 * Split-brain scenarios on the real node (ADR 0006, 0007): a fault the operator must not
 * mistake for a dead primary, under the usual profile load with tracked writes. Partitions
 * are packet-filter rules inside the pods' own network namespaces (iptables through nsenter
 * from the node); a stall is SIGSTOP/SIGCONT of the primary's redis-server. A write probe on
 * every Redis node every 50 ms gives maxWritablePrimaries.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Provider } from '../providers/provider.js';
import {
  INSTANCES,
  ProfileLoad,
  RedisWatcher,
  SecondSampler,
  USERS,
  deployRedisStack,
  nameErrors,
  primeAll,
  profileEndpoints,
  roleOf,
  round,
  until,
  verifyAcknowledged,
} from './redis-kit.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './scenario.js';
import { WriteProbe } from './write-probe.js';

const REDIS_PODS = 3;
const GETS_PER_SECOND = 1000;
const WRITES = { ids: 50, putsPerSecond: 50 } as const;
const SETTLE_MS = 10_000;

interface Fault {
  readonly name: string;
  readonly description: string;
  /** How long the fault holds before it is healed. */
  readonly holdMs: number;
  /** Applies the fault against the current primary; resolves to its heal. */
  apply(p: Provider, primary: string, probe: WriteProbe): Promise<() => Promise<void>>;
}

/** Drops what `from` sends to the primary's address (both directions break: no SYN, no ACK). */
async function cut(p: Provider, from: readonly string[], primary: string): Promise<() => Promise<void>> {
  const ip = p.redisAddress(primary).host;
  const rule = ['OUTPUT', '-d', ip, '-j', 'DROP'];
  for (const f of from) await p.inPodNetwork(f, ['iptables', '-I', ...rule]);
  return async () => {
    for (const f of from) await p.inPodNetwork(f, ['iptables', '-D', ...rule]);
  };
}

const services = (p: Provider) => p.processes().filter((n) => n.startsWith('profile-'));

async function runFault(ctx: ScenarioContext, fault: Fault): Promise<ScenarioResult> {
  const p = ctx.provider;
  const api = await deployRedisStack(ctx, { redisPods: REDIS_PODS });
  const nodes = Object.fromEntries(
    Array.from({ length: REDIS_PODS }, (_, i) => [`redis-${i}`, p.redisAddress(`redis-${i}`)]),
  );
  const endpoints = profileEndpoints(p);
  const watcher = new RedisWatcher(nodes);
  const probe = new WriteProbe(nodes);
  const sampler = new SecondSampler(p.databaseUrl(), endpoints);
  const load = new ProfileLoad({ endpoints, getsPerSecond: GETS_PER_SECOND, writes: WRITES });
  watcher.start();
  probe.start();
  let loadStopped = false;
  try {
    await primeAll(endpoints, USERS);
    await sampler.start();
    load.start();
    await sleep(ctx.quick ? 5_000 : 10_000);
    const primary = watcher.primaries()[0];
    if (!primary || watcher.primaries().length !== 1)
      throw new Error(
        `expected one primary before the fault, saw ${watcher.primaries().join(', ') || 'none'}`,
      );
    const publishedBefore = await api.renderedPrimary();
    const faultAt = performance.now();
    const heal = await fault.apply(p, primary, probe);
    ctx.log(`${fault.name}: fault applied to primary ${primary}; holding ${fault.holdMs / 1000} s`);
    await sleep(fault.holdMs);
    await heal();
    const healedAt = performance.now();
    ctx.log(`healed; settling ${SETTLE_MS / 1000} s`);
    await sleep(SETTLE_MS);
    const publishedAfter = await api.renderedPrimary();
    // Asked on a fresh connection: one the partition black-holed may stay stuck in TCP back-off after the heal.
    const promoted = publishedAfter !== publishedBefore;
    const oldPrimaryRole = promoted
      ? await until(
          `${primary} answers as a replica after the heal`,
          async () => (await roleOf(p.redisAddress(primary))) === 'replica',
          20_000,
        ).then(
          () => 'replica',
          async () => roleOf(p.redisAddress(primary)),
        )
      : await roleOf(p.redisAddress(primary));
    await load.stop();
    loadStopped = true;
    const lost = await verifyAcknowledged(load, endpoints, WRITES.ids);
    const errors = load.errorsBetween(faultAt - 5000, healedAt + SETTLE_MS);
    return {
      instances: INSTANCES,
      redisPods: REDIS_PODS,
      holdSeconds: fault.holdMs / 1000,
      primaryBefore: primary,
      promoted,
      primaryAfter: watcher.primaries().join(',') || null,
      oldPrimaryRole,
      maxWritablePrimaries: probe.maxWritablePrimaries,
      maxPrimariesObserved: watcher.maxPrimaries,
      writeProbeRoundsWithoutWriter: probe.roundsWithoutWriter,
      putsAcknowledged: load.puts,
      acknowledgedWritesLost: lost,
      staleReads: load.stale.length,
      worstStaleReadMs: Math.round(load.stale.reduce((m, s) => Math.max(m, s.staleMs), 0)),
      clientErrors: [...errors.values()].reduce((a, b) => a + b, 0),
      clientErrorNames: nameErrors(errors),
      hitRateDuring: round(sampler.hitRatio(faultAt, healedAt), 4),
      originPeakQps: round(Math.max(...sampler.originBetween(faultAt, healedAt + 5000)), 1),
      samplerGaps: sampler.failures,
    };
  } finally {
    if (!loadStopped) await load.stop();
    await sampler.stop();
    await probe.stop();
    await watcher.stop();
    api.close();
  }
}

function scenario(fault: Fault): Scenario {
  return { name: fault.name, description: fault.description, run: (ctx) => runFault(ctx, fault) };
}

export const partitionOperatorPrimary = scenario({
  name: 'partition-operator-primary',
  description:
    'only the operator loses the primary for 10 s (its packets to it dropped): the replicas still see it, so nothing is promoted',
  holdMs: 10_000,
  apply: (p, primary) => cut(p, ['operator'], primary),
});

export const partitionServicesPrimary = scenario({
  name: 'partition-services-primary',
  description:
    'only the services lose the primary for 10 s: no promotion; they serve fail-safe and the origin stays within its guard',
  holdMs: 10_000,
  apply: (p, primary) => cut(p, services(p), primary),
});

export const primaryStall = scenario({
  name: 'primary-stall',
  description:
    'SIGSTOP of the primary for 3 s (longer than detectAfter), then SIGCONT: not replaced (it would wake up writable), never a second writable primary',
  holdMs: 3_000,
  apply: async (p, primary) => {
    await p.signal(primary, 'SIGSTOP');
    return () => p.signal(primary, 'SIGCONT');
  },
});

/**
 * The primary cut off from everyone but alive: every packet in or out of its pod is dropped
 * except loopback. The write probe cannot reach it from outside, so a second probe writes to
 * it from inside its own network namespace (redis-cli on 127.0.0.1): the moment it stops
 * accepting writes is the fence. Two writable primaries overlap if it still accepted a
 * write after another node first accepted one.
 */
export const partitionPrimaryIsolated: Scenario = {
  name: 'partition-primary-isolated',
  description:
    'the primary cut off from everyone for 15 s but alive: promotion; it refuses writes within the bound; after the heal it rejoins as a replica',
  async run(ctx) {
    let inside: InsideProbe | undefined;
    let writers: WriteProbe | undefined;
    const figures = await runFault(ctx, {
      name: 'partition-primary-isolated',
      description: '',
      holdMs: 15_000,
      apply: async (p, primary, probe) => {
        writers = probe;
        probe.armNewWriter(primary);
        const rules = [
          ['INPUT', '!', '-i', 'lo', '-j', 'DROP'],
          ['OUTPUT', '!', '-o', 'lo', '-j', 'DROP'],
        ];
        for (const r of rules) await p.inPodNetwork(primary, ['iptables', '-I', ...r]);
        inside = new InsideProbe(p, primary);
        inside.start();
        return async () => {
          await inside?.stop();
          for (const r of rules) await p.inPodNetwork(primary, ['iptables', '-D', ...r]);
        };
      },
    });
    const fencedAfterMs =
      inside?.lastAcceptedAt === undefined || inside.isolatedAt === undefined
        ? null
        : Math.round(inside.lastAcceptedAt - inside.isolatedAt);
    // Seen from inside, the isolated primary still taking a write after another node took one is a second writable primary.
    const overlapMs =
      inside?.lastAcceptedAt !== undefined && writers?.newWriterAt !== undefined
        ? inside.lastAcceptedAt - writers.newWriterAt
        : null;
    return {
      ...figures,
      maxWritablePrimaries:
        overlapMs !== null && overlapMs > 0
          ? Math.max(2, Number(figures['maxWritablePrimaries']))
          : (figures['maxWritablePrimaries'] ?? null),
      isolatedPrimaryAcceptedWritesForMs: fencedAfterMs,
      newWriterAfterMs:
        writers?.newWriterAt !== undefined && inside?.isolatedAt !== undefined
          ? Math.round(writers.newWriterAt - inside.isolatedAt)
          : null,
      insideProbeWrites: inside?.attempts ?? 0,
    };
  },
};

/** Writes to an isolated pod's Redis from inside its network namespace, every 200 ms. */
class InsideProbe {
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
