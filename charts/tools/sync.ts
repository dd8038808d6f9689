/**
 * Copies the files the chart embeds from their generated sources: the CRD (chart crds/),
 * the alert rules and the Grafana dashboards (chart files/, read with .Files.Get). Helm can
 * only read files inside the chart, hence copies; charts/tests/sync.int.test.ts fails when
 * a copy is stale. Usage: npx tsx charts/tools/sync.ts [--check]
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const chartDir = join(repoRoot, 'charts/herdguard');

export interface SyncedFile {
  readonly source: string;
  readonly copy: string;
}

const ALERT_SOURCES = ['alerts/generated/rules.yaml', 'alerts/generated/prometheusrule.yaml'];

/** Every source → copy pair, plus copies that no longer have a source (to delete). */
export function plan(root = repoRoot): { files: SyncedFile[]; orphans: string[] } {
  const chart = join(root, 'charts/herdguard');
  const files: SyncedFile[] = [
    { source: join(root, 'crds/herdguard.io_cachepolicies.yaml'), copy: join(chart, 'crds/herdguard.io_cachepolicies.yaml') },
  ];
  // The rule-file form is preferred; the chart template accepts either (it keeps only the groups).
  const alerts = ALERT_SOURCES.map((p) => join(root, p)).find((p) => existsSync(p));
  if (alerts) files.push({ source: alerts, copy: join(chart, 'files/alerts/rules.yaml') });
  const dashSrc = join(root, 'dashboards/json');
  const dashDst = join(chart, 'files/dashboards');
  const dashboards = existsSync(dashSrc) ? readdirSync(dashSrc).filter((f) => f.endsWith('.json')).sort() : [];
  for (const f of dashboards) files.push({ source: join(dashSrc, f), copy: join(dashDst, f) });
  const orphans = existsSync(dashDst)
    ? readdirSync(dashDst)
        .filter((f) => f.endsWith('.json') && !dashboards.includes(f))
        .map((f) => join(dashDst, f))
    : [];
  return { files, orphans };
}

/** Copies that differ from their source, are missing, or have no source any more. */
export function stale(root = repoRoot): string[] {
  const { files, orphans } = plan(root);
  const differs = files.filter(
    (f) => !existsSync(f.copy) || !readFileSync(f.source).equals(readFileSync(f.copy)),
  );
  return [...differs.map((f) => f.copy), ...orphans].map((p) => relative(root, p));
}

export function sync(root = repoRoot): string[] {
  const { files, orphans } = plan(root);
  const changed = stale(root);
  for (const f of files) {
    mkdirSync(dirname(f.copy), { recursive: true });
    copyFileSync(f.source, f.copy);
  }
  for (const o of orphans) rmSync(o);
  return changed;
}

function main(argv: string[]): void {
  if (argv.includes('--check')) {
    const out = stale();
    if (out.length) {
      console.error(`stale chart copies (run npx tsx charts/tools/sync.ts): ${out.join(', ')}`);
      process.exitCode = 1;
    }
    return;
  }
  const changed = sync();
  console.error(changed.length ? `updated ${changed.join(', ')}` : 'chart copies are current');
}

if (process.argv[1] && basename(process.argv[1]).startsWith('sync.')) main(process.argv.slice(2));
