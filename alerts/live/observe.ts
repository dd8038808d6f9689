/**
 * Runs named load phases under a live Prometheus and records, per phase, the highest state each
 * watched alert reached during it. The e2e herd scenario drives a baseline phase (the hit-rate
 * and origin alerts must reach pending or firing) and a protected phase (they must stay inactive).
 */
import { alertState } from './check.js';
import type { LivePrometheus } from './prometheus.js';

export const HERD_ALERTS = ['CacheHitRateLow', 'OriginPoolSaturated', 'OriginLatencyHigh'] as const;

export interface Phase {
  readonly name: string;
  run(): Promise<void>;
  /** Alerts that must reach pending or firing during the phase. */
  readonly mustFire: readonly string[];
  /** Alerts that must stay inactive during the phase. */
  readonly mustStaySilent: readonly string[];
}

export interface PhaseOutcome {
  readonly phase: string;
  readonly seconds: number;
  readonly states: Record<string, 'firing' | 'pending' | 'inactive'>;
  readonly problems: string[];
}

export async function observePhases(prom: LivePrometheus, phases: readonly Phase[], settleMs = 3000): Promise<PhaseOutcome[]> {
  const out: PhaseOutcome[] = [];
  for (const p of phases) {
    const started = Date.now();
    await p.run();
    // Two evaluation intervals so the last samples of the phase reach the rules.
    await new Promise((r) => setTimeout(r, settleMs));
    const seconds = (Date.now() - started) / 1000;
    const states: PhaseOutcome['states'] = {};
    for (const a of [...p.mustFire, ...p.mustStaySilent]) states[a] = await alertState(prom, a, seconds);
    const problems = [
      ...p.mustFire.filter((a) => states[a] === 'inactive').map((a) => `${a} never became pending or firing in ${p.name}`),
      ...p.mustStaySilent.filter((a) => states[a] !== 'inactive').map((a) => `${a} was ${states[a]} in ${p.name}`),
    ];
    out.push({ phase: p.name, seconds, states, problems });
  }
  return out;
}
