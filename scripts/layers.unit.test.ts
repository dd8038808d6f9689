/**
 * The layer rule (.dependency-cruiser.cjs) holds on the tree, and catches what it must on a
 * small tree built for the purpose: an import up a layer, production code importing the test
 * kit, an import that resolves to nothing, and a cycle hidden behind a dynamic import().
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}

function cruise(cwd: string): Promise<Violation[]> {
  return new Promise((done, fail) => {
    execFile(DEPCRUISE, ['.', '--config', CONFIG, '--output-type', 'json'], { cwd, maxBuffer: 64 << 20, timeout: 60_000 }, (err, stdout) => {
      // depcruise exits non-zero when it finds violations; the JSON is still complete.
      if (err && !stdout) return fail(new Error(`depcruise failed in ${cwd}: ${err.message}`));
      done((JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations);
    });
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'hg-layers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmp, 't-'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true } }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('the layer rule', () => {
  it('finds no violation in the tree', async () => {
    expect(await cruise(ROOT)).toEqual([]);
  });

  it('refuses an import that points up a layer', async () => {
    const v = await cruise(tree({
      'lib/1-ground/log.ts': "import { herd } from '../4-cache/herd.js';\nexport const log = herd;\n",
      'lib/4-cache/herd.ts': 'export const herd = 1;\n',
    }));
    expect(v.map((x) => [x.rule.name, x.from, x.to])).toEqual([['layer: ground', 'lib/1-ground/log.ts', 'lib/4-cache/herd.ts']]);
  });

  it('refuses a cache-library import of the service kit, and production code importing the test kit', async () => {
    const v = await cruise(tree({
      'lib/4-cache/source.ts': "import { kit } from '../../example-app/service-kit/kit.js';\nimport { redis } from '../../testkit/redis.js';\nexport const s = kit + redis;\n",
      'example-app/service-kit/kit.ts': 'export const kit = 1;\n',
      'testkit/redis.ts': 'export const redis = 1;\n',
    }));
    expect(v.map((x) => x.rule.name).sort()).toEqual(['layer: cache library', 'layer: cache library', 'no-test-code-in-production']);
  });

  it('refuses a relative import that resolves to nothing (it could not be checked)', async () => {
    const v = await cruise(tree({ 'lib/4-cache/source.ts': "import { kit } from '../../example-app/service-kit/kit.js';\nexport const s = kit;\n" }));
    expect(v.map((x) => [x.rule.name, x.to])).toEqual([['no-unresolvable', '../../example-app/service-kit/kit.js']]);
  });

  it('refuses a cycle, even one a dynamic import() hides', async () => {
    const v = await cruise(tree({
      'lib/4-cache/a.ts': "export async function a(): Promise<number> {\n  return (await import('./b.js')).b;\n}\n",
      'lib/4-cache/b.ts': "import { a } from './a.js';\nexport const b = typeof a === 'function' ? 1 : 0;\n",
    }));
    expect(v.map((x) => x.rule.name)).toContain('no-cycle');
  });
});
