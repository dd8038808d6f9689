/**
 * Durations use the Kubernetes / Go syntax ("1500ms", "60s", "10m", "1h30m") so that the
 * same string validates in the CRD (CEL `duration()`) and in the services.
 *
 * The two must agree on every string, to the nanosecond, so `parseDurationNs` repeats what
 * Go's time.ParseDuration (behind CEL's duration()) computes: integer nanoseconds, with the
 * fraction scaled through float64 exactly as Go does it. The pattern keeps the units in
 * Go's order and each number to 6 integer and 9 fraction digits: the largest value
 * (~1 017 000 h) stays far below int64 nanoseconds (~2 562 047 h), where CEL would fail
 * with an evaluation error instead of the rule's message.
 */
const NUM = '[0-9]{1,6}(\\.[0-9]{1,9})?';
export const DURATION_PATTERN = `^(${NUM}h)?(${NUM}m)?(${NUM}s)?(${NUM}ms)?$`;
/** The pattern also matches "", which is not a duration. */
export const DURATION_MIN_LENGTH = 2;
export const DURATION_MAX_LENGTH = 4 * (6 + 1 + 9 + 2);

const PART = /([0-9]+)(?:\.([0-9]+))?(ms|s|m|h)/g;
const UNIT_NS: Record<string, bigint> = { ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };
const durationRe = new RegExp(DURATION_PATTERN);

export const NS_PER_MS = 1_000_000n;

/** Parses a duration into integer nanoseconds, as Go does; undefined when the text is not one. */
export function parseDurationNs(text: string): bigint | undefined {
  if (text.length < DURATION_MIN_LENGTH || !durationRe.test(text)) return undefined;
  let total = 0n;
  for (const m of text.matchAll(PART)) {
    const unit = UNIT_NS[m[3] as string] as bigint;
    total += BigInt(m[1] as string) * unit;
    const frac = m[2];
    if (frac !== undefined) {
      // Go: v += uint64(float64(f) * (float64(unit) / scale)), scale = 10^digits.
      let scale = 1;
      for (let i = 0; i < frac.length; i++) scale *= 10;
      total += BigInt(Math.trunc(Number(frac) * (Number(unit) / scale)));
    }
  }
  return total;
}

/** Parses a duration into milliseconds (rounded); returns undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const ns = parseDurationNs(text);
  return ns === undefined ? undefined : Math.round(Number(ns) / 1e6);
}

/** A duration string for whole milliseconds that the pattern accepts (units in Go's order). */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  if (ms < 1_000_000) return `${ms}ms`;
  const parts: Array<[number, string]> = [
    [Math.floor(ms / 3_600_000), 'h'],
    [Math.floor((ms % 3_600_000) / 60_000), 'm'],
    [Math.floor((ms % 60_000) / 1000), 's'],
    [ms % 1000, 'ms'],
  ];
  return parts.filter(([n]) => n > 0).map(([n, u]) => `${n}${u}`).join('');
}
