/**
 * Checked-in generated files (CRD, alert rules, dashboards): write them, or with --check
 * list the ones a fresh generation would change, so CI fails on a forgotten regenerate.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

/** Paths whose content on disk differs from (or is missing for) the freshly generated one. */
export function staleFiles(files: ReadonlyMap<string, string>): string[] {
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

/** The command-line side of a generator: `--check` exits 1 listing stale files, otherwise writes them. */
export function writeOrCheck(what: string, npmScript: string, files: ReadonlyMap<string, string>, argv: string[]): void {
  const rel = (p: string) => relative(process.cwd(), p);
  if (argv.includes('--check')) {
    const stale = staleFiles(files);
    if (stale.length > 0) {
      console.error(`${what}: out of date, run "npm run ${npmScript}": ${stale.map(rel).join(', ')}`);
      process.exitCode = 1;
      return;
    }
    console.log(`${what}: ${files.size} generated file(s) up to date`);
    return;
  }
  for (const [path, content] of files) writeFileSync(path, content);
  console.log(`${what}: wrote ${[...files.keys()].map(rel).join(', ')}`);
}
