/**
 * Split-brain scenarios on the real node (ADR 0006, 0007): a fault the operator must not
 * mistake for a dead primary, under the usual profile load with tracked writes. Partitions
 * are packet-filter rules inside the pods' own network namespaces (iptables through nsenter
 * from the node); a stall is SIGSTOP/SIGCONT of the primary's redis-server. A write probe on
 * every Redis node every 50 ms gives maxWritablePrimaries.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Provider } from '../providers/provider.js';
import { countErrors, nameErrors, round } from './kit/figures.js';
import { withRedisChaos } from './kit/harness.js';
import { InsideProbe } from './kit/inside-probe.js';
import { INSTANCES } from './kit/policies.js';
import { verifyAcknowledged } from './kit/profile-reads.js';
import { roleOf } from './kit/redis-watcher.js';
import { until } from './kit/stack.js';
import type { WriteProbe } from './kit/write-probe.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './scenario.js';

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

function runFault(ctx: ScenarioContext, fault: Fault): Promise<ScenarioResult> {
  const p = ctx.provider;
  const chaos = { redisPods: REDIS_PODS, getsPerSecond: GETS_PER_SECOND, writes: WRITES, warmMs: ctx.quick ? 5_000 : 10_000, writeProbe: true };
  return withRedisChaos(ctx, chaos, async (h) => {
    const { api, watcher, sampler, load, endpoints } = h;
    const probe = h.writeProbe();
    const primary = h.onePrimary('fault');
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
      clientErrors: countErrors(errors),
      clientErrorNames: nameErrors(errors),
      hitRateDuring: round(sampler.hitRatio(faultAt, healedAt), 4),
      originPeakQps: round(Math.max(...sampler.originBetween(faultAt, healedAt + 5000)), 1),
      samplerGaps: sampler.failures,
    };
  });
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
