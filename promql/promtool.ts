/**
 * The real promtool (Debian's prometheus package): rule checks, rule unit tests, and PromQL
 * parsing. Missing promtool is an error that says how to install it, never a skip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const PROMTOOL = process.env['HERDGUARD_PROMTOOL'] ?? '/usr/bin/promtool';

export function requirePromtool(): string {
  if (!existsSync(PROMTOOL)) {
    throw new Error(
      `promtool not found at ${PROMTOOL}: run "bash scripts/setup.sh" (installs Debian's prometheus package, which ships promtool) or set HERDGUARD_PROMTOOL`,
    );
  }
  return PROMTOOL;
}

export interface PromtoolResult {
  readonly ok: boolean;
  readonly output: string;
}

export function promtool(args: string[], cwd?: string): PromtoolResult {
  const r = spawnSync(requirePromtool(), args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

export interface NamedQuery {
  /** Where the query lives, e.g. `alert CacheHitRateLow` or `dashboard herdguard-overview / Hit rate by tier`. */
  readonly source: string;
  readonly expr: string;
}

/**
 * Parses each expression with Prometheus's own parser by making it a recording rule in a
 * throwaway file and running `promtool check rules`. Returns one message per bad expression.
 */
export function parseErrors(queries: readonly NamedQuery[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'herdguard-promql-'));
  try {
    const errors: string[] = [];
    // One file per query: promtool stops at the first bad rule in a file.
    const files = queries.map((q, i) => {
      const file = join(dir, `q${i}.yaml`);
      writeFileSync(
        file,
        stringify({
          groups: [{ name: 'parse', rules: [{ record: 'herdguard:parse_check', expr: q.expr }] }],
        }),
      );
      return file;
    });
    const all = promtool(['check', 'rules', ...files]);
    if (all.ok) return [];
    files.forEach((file, i) => {
      const r = promtool(['check', 'rules', file]);
      const q = queries[i]!;
      if (!r.ok) errors.push(`${q.source}: ${q.expr}\n  ${r.output.trim().split('\n').join('\n  ')}`);
    });
    return errors;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
