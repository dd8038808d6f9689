/**
 * `npm run generate:dashboards`: writes dashboards/json/<uid>.json from dashboards/src.
 * `--check` writes nothing and fails if a checked-in file differs.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeOrCheck } from '../scripts/generated-files.js';
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

function main(argv: string[]): void {
  writeOrCheck('dashboards', 'generate:dashboards', generatedDashboardFiles(), argv);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
