/**
 * What must hold after each scenario, whatever the machine's speed: correctness, not
 * timing. Timing figures (promotion seconds, p99s) are reported, never asserted, because
 * they belong to benchmarks on a quiet machine, not to a test on two shared cores.
 * A violated invariant fails the e2e run.
 */
import type { ScenarioResult } from './scenario.js';

type Check = readonly [field: string, holds: (v: unknown) => boolean, expected: string];

const equals = (want: unknown): Check[1] => (v) => v === want;
const atMost = (max: number): Check[1] => (v) => typeof v === 'number' && v <= max;

export const invariants: Readonly<Record<string, readonly Check[]>> = {
  propagation: [['propagationP99Ms', (v) => typeof v === 'number', 'a p99 (every change reached every instance)']],
  'idle-cost': [
    ['idleWrites', equals(0), '0 writes while nothing changes'],
    ['idleWatchReconnects', equals(0), 'no watch reconnects while idle'],
  ],
  'redis-primary-kill': [
    ['maxPrimariesObserved', equals(1), 'never two primaries'],
    ['newPrimaryLabelled', equals(true), 'the role label on the new primary'],
    ['oldPrimaryRejoined', equals('replica'), 'the old primary back as a replica'],
  ],
  'redis-planned-restart': [
    ['acknowledgedWritesLost', equals(0), 'no acknowledged write lost'],
    ['clientErrors', equals(0), 'no client error during a planned switchover'],
    ['maxPrimariesObserved', equals(1), 'never two primaries'],
  ],
  'redis-cold-restart': [
    ['originSecondsAboveWarmupRate', equals(0), 'the origin never above the warmup rate once Redis is back'],
    ['maxPrimariesObserved', atMost(1), 'never two primaries'],
  ],
  'operator-killed-mid-promotion': [
    ['completed', equals(true), 'the next leader completes the promotion'],
    ['maxPrimariesObserved', equals(1), 'never two primaries'],
  ],
  'stale-after-failover': [['maxPrimariesObserved', equals(1), 'never two primaries']],
  'partition-operator-primary': [
    ['promoted', equals(false), 'no promotion when only the operator is cut off'],
    ['maxWritablePrimaries', atMost(1), 'at most one writable primary at any instant'],
    ['acknowledgedWritesLost', equals(0), 'no acknowledged write lost'],
  ],
  'partition-services-primary': [
    ['promoted', equals(false), 'no promotion when only the services are cut off'],
    ['maxWritablePrimaries', atMost(1), 'at most one writable primary at any instant'],
    ['acknowledgedWritesLost', equals(0), 'no acknowledged write lost'],
  ],
  'partition-primary-isolated': [
    ['promoted', equals(true), 'a replica promoted in place of the isolated primary'],
    ['maxWritablePrimaries', atMost(1), 'at most one writable primary at any instant (the isolated one probed from inside)'],
    ['oldPrimaryRole', equals('replica'), 'the isolated primary rejoins as a replica after the heal'],
  ],
  'primary-stall': [
    ['promoted', equals(false), 'a stalled primary is not replaced: it would wake up writable (ADR 0007)'],
    ['maxWritablePrimaries', atMost(1), 'no second writable primary at any instant'],
    ['acknowledgedWritesLost', equals(0), 'no acknowledged write lost'],
  ],
};

/** The violated invariants of one scenario's figures, as readable lines. */
export function violations(scenario: string, r: ScenarioResult): string[] {
  return (invariants[scenario] ?? [])
    .filter(([field, holds]) => !holds(r[field]))
    .map(([field, , expected]) => `${field} = ${JSON.stringify(r[field] ?? null)}, expected ${expected}`);
}
