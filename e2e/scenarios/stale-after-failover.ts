/**
 * stale-after-failover: redis-primary-kill with concurrent tracked writes. PUTs run on the
 * 50 hottest profiles (one in flight per profile) while GETs read them through every
 * instance; once a PUT is acknowledged, a GET sent afterwards must not return an older
 * version for longer than the documented bound (ADR 0004, STALE_BOUND_MS). Reports the
 * worst such stale read, in milliseconds from the acknowledgement of the newer version.
 * Same stack and policy as redis-primary-kill (TURNOVER_POLICY): a shorter TTL can only end a
 * stale read sooner, so the bound is tested no more gently than under the built-in 60 s TTL;
 * the fail-safe (L1 copies served while no Redis answers) makes it the bound that ends them.
 */
import { runPrimaryKill } from './redis-primary-kill.js';
import { STALE_BOUND_MS } from './kit/policies.js';
import type { Scenario } from './scenario.js';

const WRITE_IDS = 50;
const PUTS_PER_SECOND = 50;
const AROUND_MS = 15_000;

export const staleAfterFailover: Scenario = {
  name: 'stale-after-failover',
  description: `redis-primary-kill with ${PUTS_PER_SECOND} PUT/s on the ${WRITE_IDS} hottest profiles; worst stale read after an acknowledged PUT`,
  async run(ctx) {
    const r = await runPrimaryKill(ctx, { writes: { ids: WRITE_IDS, putsPerSecond: PUTS_PER_SECOND } });
    const stale = r.load.stale;
    const around = stale.filter((s) => Math.abs(s.at - r.killedAt) <= AROUND_MS);
    const worst = stale.reduce((m, s) => Math.max(m, s.staleMs), 0);
    const worstAround = around.reduce((m, s) => Math.max(m, s.staleMs), 0);
    const worstOutside = stale.filter((s) => !around.includes(s)).reduce((m, s) => Math.max(m, s.staleMs), 0);
    const worstAt = stale.find((s) => s.staleMs === worst);
    return {
      promotionSeconds: r.figures['promotionSeconds'] ?? null,
      publishedSeconds: r.figures['publishedSeconds'] ?? null,
      putsAcknowledged: r.load.puts,
      getsOk: r.load.ok,
      staleReads: stale.length,
      staleReadsAroundKill: around.length,
      worstStaleReadMs: Math.round(worst),
      worstStaleReadMsAroundKill: Math.round(worstAround),
      worstStaleReadMsOutsideKill: Math.round(worstOutside),
      worstStaleReadSecondsAfterKill: worstAt ? Number(((worstAt.at - r.killedAt) / 1000).toFixed(2)) : null,
      staleBoundMs: STALE_BOUND_MS,
      clientErrors: r.figures['clientErrors'] ?? null,
      clientErrorNames: r.figures['clientErrorNames'] ?? null,
      hitRateDuring: r.figures['hitRateDuring'] ?? null,
      maxPrimariesObserved: r.figures['maxPrimariesObserved'] ?? null,
      targets: `worstStaleReadMs<=${STALE_BOUND_MS}`,
    };
  },
};
