/**
 * Runs named load phases under a live Prometheus and records, per phase, the highest state each
 * watched alert reached during it, for the generated rules and (when loaded) for the TEST-ONLY
 * short-`for` copy. The e2e herd scenario drives a baseline phase (the hit-rate and origin
 * alerts must reach pending or firing with the real rules and firing with the copy) and a
 * protected phase (they must stay inactive in both).
 */
import { allAlerts } from '../../alerts/index.js';
import { alertState, type AlertStateName, type RuleVariant } from './check.js';
import type { LivePrometheus } from './prometheus.js';

export const HERD_ALERTS = ['CacheHitRateLow', 'OriginPoolSaturated', 'OriginLatencyHigh'] as const;

export interface Phase {
  readonly name: string;
  run(): Promise<void>;
  /** Alerts that must reach pending or firing during the phase (firing, for the short-`for` copy). */
  readonly mustFire: readonly string[];
  /** Alerts that must stay inactive during the phase. */
  readonly mustStaySilent: readonly string[];
}

export interface PhaseOutcome {
  readonly phase: string;
  readonly seconds: number;
  /** States of the generated rules. */
  readonly states: Record<string, AlertStateName>;
  /** States of the TEST-ONLY short-`for` copy, when it was loaded. */
  readonly shortForStates?: Record<string, AlertStateName>;
  /** Highest value of each watched alert's signal (the thresholded quantity) at the end of the phase. */
  readonly signals: Record<string, number | null>;
  readonly problems: string[];
}

/** The label sets (other than the rule's own) an alert was pending or firing for in the last `seconds`. */
async function activeSeries(prom: LivePrometheus, alert: string, seconds: number): Promise<string[]> {
  const seen = await prom.query(`max_over_time(ALERTS{alertname="${alert}",alertstate=~"pending|firing"}[${Math.max(1, Math.ceil(seconds))}s])`);
  const own = new Set(['__name__', 'alertname', 'alertstate', 'severity']);
  const series = [...new Set(seen.map((s) => Object.entries(s.metric).filter(([k]) => !own.has(k)).map(([k, v]) => `${k}=${v}`).join(',')))];
  const def = allAlerts().find((x) => x.alert === alert);
  if (!def) return series;
  // The signal's peak over the phase, evaluated every second as the rule was.
  const peaks = await prom.query(`max_over_time((${def.signal})[${Math.max(1, Math.ceil(seconds))}s:1s])`);
  return [...series, ...peaks.map((s) => `signal peak ${s.value.toPrecision(3)} at ${JSON.stringify(s.metric)}`)];
}

async function statesOf(prom: LivePrometheus, alerts: readonly string[], seconds: number, variant: RuleVariant): Promise<Record<string, AlertStateName>> {
  const out: Record<string, AlertStateName> = {};
  for (const a of alerts) out[a] = await alertState(prom, a, seconds, variant);
  return out;
}

export async function observePhases(
  prom: LivePrometheus,
  phases: readonly Phase[],
  o: { settleMs?: number; shortForCopy?: boolean } = {},
): Promise<PhaseOutcome[]> {
  const out: PhaseOutcome[] = [];
  for (const p of phases) {
    const started = Date.now();
    await p.run();
    // Two evaluation intervals so the last samples of the phase reach the rules.
    await new Promise((r) => setTimeout(r, o.settleMs ?? 3000));
    const seconds = (Date.now() - started) / 1000;
    const watched = [...p.mustFire, ...p.mustStaySilent];
    const states = await statesOf(prom, watched, seconds, 'real');
    const shortForStates = o.shortForCopy ? await statesOf(prom, watched, seconds, 'short-for') : undefined;
    const signals: Record<string, number | null> = {};
    for (const a of watched) {
      const def = allAlerts().find((x) => x.alert === a);
      const values = def ? (await prom.query(def.signal)).map((x) => x.value).filter(Number.isFinite) : [];
      signals[a] = values.length ? Math.max(...values) : null;
    }
    const loud = p.mustStaySilent.filter((a) => states[a] !== 'inactive');
    // Which series, so a failure says which service and origin crossed the threshold.
    const where = Object.fromEntries(await Promise.all(loud.map(async (a) => [a, (await activeSeries(prom, a, seconds)).join('; ')] as const)));
    const problems = [
      ...p.mustFire.filter((a) => states[a] === 'inactive').map((a) => `${a} never became pending or firing in ${p.name}`),
      ...loud.map((a) => `${a} was ${states[a]} in ${p.name} for {${where[a] ?? ''}}`),
    ];
    if (shortForStates) {
      problems.push(
        ...p.mustFire.filter((a) => shortForStates[a] !== 'firing').map((a) => `${a} (short-for copy) was ${shortForStates[a]}, not firing, in ${p.name}`),
        ...p.mustStaySilent.filter((a) => shortForStates[a] !== 'inactive').map((a) => `${a} (short-for copy) was ${shortForStates[a]} in ${p.name}`),
      );
    }
    out.push({ phase: p.name, seconds, states, ...(shortForStates ? { shortForStates } : {}), signals, problems });
  }
  return out;
}
