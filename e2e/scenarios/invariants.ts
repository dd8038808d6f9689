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
const above = (min: number): Check[1] => (v) => typeof v === 'number' && v > min;
const isNumber: Check[1] = (v) => typeof v === 'number';

/** Every dependency fault (origin-faults.ts): no process ends, the guard holds, nothing hangs, the fleet recovers. */
const dependencyFault: readonly Check[] = [
  ['processesEnded', equals(0), 'no profile process ended'],
  ['uncaughtErrors', equals(0), 'nothing escaped a handler'],
  ['originInflightAboveGuard', equals(0), "never more origin calls in flight on an instance than the guard's maxConcurrency"],
  ['dbReadsAboveGuard', equals(0), 'never more origin reads running in PostgreSQL than instances × maxConcurrency'],
  ['hungRequests', equals(0), 'no GET outlasting every deadline of the service (10 s)'],
  ['recoverySeconds', isNumber, 'a steady second (no error, no fallback, circuits closed) after the heal'],
];

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
  'redis-slow': [
    ...dependencyFault,
    ['clientErrorRate', atMost(0.01), 'at most 1 % of GETs failing while Redis is slow (L1, fail-safe copies and the origin answer)'],
    ['promoted', equals(false), 'no promotion: a slow Redis is not a dead one'],
  ],
  'postgres-down': [
    ...dependencyFault,
    ['circuitOpened', equals(true), "the origin guard's circuit breaker opened"],
    ['guardRejections', above(0), 'calls refused by the open circuit, counted'],
    ['staleServed', above(0), 'stale answers served while the origin was down'],
    ['clientErrorsNotFailFast', equals(0), 'every failed GET a JSON 503 with a stable code (no reset, no timeout)'],
  ],
  'postgres-slow': [
    ...dependencyFault,
    ['clientErrorsNotFailFast', equals(0), 'every failed GET a JSON 503 with a stable code (no reset, no timeout)'],
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
