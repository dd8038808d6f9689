import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { labelValues } from '../lib/1-ground/metric-names.js';
import { CLUSTER_REASONS, HoldReason } from './reasons.js';

const RUNBOOK = join(dirname(fileURLToPath(import.meta.url)), '..', 'runbooks', 'RedisPrimaryMissing.md');

/** The reasons named by the `###` headings of the runbook's "Why the operator holds back" section. */
function runbookReasons(): string[] {
  const text = readFileSync(RUNBOOK, 'utf8');
  const start = text.indexOf('\n## Why the operator holds back\n');
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^### (.+)$/gm)].flatMap((m) => (m[1] as string).split(',').map((w) => w.trim()));
}

/** Holds that end within a tick or two on their own: no alert waits on them, so no heading. */
const PASSING = new Set<string>([HoldReason.Suspect, HoldReason.PrimaryBack, HoldReason.CandidateLost]);

describe('the hold reasons and RedisPrimaryMissing.md', () => {
  it('names in its headings only reasons the operator emits, spelled as in operator/reasons.ts', () => {
    const emitted = new Set<string>(Object.values(HoldReason));
    const named = runbookReasons();
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((r) => !emitted.has(r))).toEqual([]);
  });

  it('has a heading for every reason that can keep a lost primary unpromoted', () => {
    const named = new Set(runbookReasons());
    expect(Object.values(HoldReason).filter((r) => !PASSING.has(r) && !named.has(r))).toEqual([]);
  });
});

describe('the cluster reasons and the metric-name contract', () => {
  it('herdguard_redis_cluster_state takes exactly the reasons the cluster watch reports, so the alerts match them', () => {
    expect([...labelValues.redisClusterState]).toEqual([...CLUSTER_REASONS]);
  });
});
