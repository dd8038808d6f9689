/**
 * The image build without Docker: the Dockerfile's compile step (tsc with
 * images/tsconfig.build.json, non-TypeScript files copied beside the JS) must produce JS that
 * starts with plain node, including the preloaded API policy source the chart passes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../local/process.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = mkdtempSync(join(tmpdir(), 'herdguard-image-'));

function copyAssets(dir: string): void {
  for (const e of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, e);
    if (e === 'testing' || e === 'node_modules') continue;
    if (statSync(join(ROOT, rel)).isDirectory()) copyAssets(rel);
    else if (!e.endsWith('.ts')) cpSync(join(ROOT, rel), join(out, rel));
  }
}

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'images/tsconfig.build.json'), '--outDir', out], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const d of ['example-app', 'operator']) copyAssets(d);
  symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'));
  cpSync(join(ROOT, 'package.json'), join(out, 'package.json'));
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

const listFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.name === 'node_modules' ? [] : e.isDirectory() ? listFiles(join(dir, e.name)) : [relative(out, join(dir, e.name))],
  );

describe('the image compile step', () => {
  it('emits every entry point the chart runs, and no tests or test helpers', () => {
    const files = listFiles(out);
    for (const entry of ['operator/main.js', 'example-app/profile/main.js', 'example-app/market-data/main.js', 'example-app/feed-simulator/main.js', 'example-app/cache/policy/kube-source.js']) {
      expect(files, entry).toContain(entry);
    }
    expect(files.filter((f) => /\.test\.|test-helpers|\/testing\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('e2e/') || f.startsWith('bench/'))).toEqual([]);
  });

  it('starts a service with plain node and the preloaded API policy source, as the chart runs it', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', './example-app/cache/policy/kube-source.js', 'example-app/feed-simulator/main.js'], {
      cwd: out,
      env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    try {
      await waitFor('feed-simulator /healthz', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200, 30_000);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
