/**
 * `npm run generate:dashboards`: writes dashboards/json/<uid>.json from dashboards/src.
 * `--check` writes nothing and fails if a checked-in file differs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dashboards } from './src/dashboards.js';
import { buildDashboard } from './src/kit.js';

export const JSON_DIR = join(dirname(fileURLToPath(import.meta.url)), 'json');

export function generatedDashboardFiles(): Map<string, string> {
  return new Map(
    dashboards.map((spec) => [
      join(JSON_DIR, `${spec.uid}.json`),
      `${JSON.stringify(buildDashboard(spec), null, 2)}\n`,
    ]),
  );
}

export function staleDashboardFiles(files: Map<string, string>): string[] {
  return [...files]
    .filter(([path, content]) => {
      try {
        return readFileSync(path, 'utf8') !== content;
      } catch {
        return true;
      }
    })
    .map(([path]) => path);
}

function main(argv: string[]): void {
  const files = generatedDashboardFiles();
  if (argv.includes('--check')) {
    const stale = staleDashboardFiles(files);
    if (stale.length > 0) {
      console.error(`dashboards: out of date, run "npm run generate:dashboards": ${stale.join(', ')}`);
      process.exit(1);
    }
    console.log(`dashboards: ${files.size} generated files up to date`);
    return;
  }
  for (const [path, content] of files) writeFileSync(path, content);
  console.log(`dashboards: wrote ${[...files.keys()].map((p) => relative(process.cwd(), p)).join(', ')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
