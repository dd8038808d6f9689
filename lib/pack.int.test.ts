/**
 * The herdguard package as a stranger gets it: `npm pack` of lib/, installed into a new
 * project outside the repository (dependencies from the npm cache `npm ci` filled), the
 * README's example run with plain node against a real Redis, the entry points imported and
 * type-checked, and a deep import refused.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../testkit/redis.js';

const run = promisify(execFile);
const LIB = dirname(fileURLToPath(import.meta.url));
const TSC = join(LIB, '..', 'node_modules', '.bin', 'tsc');
const README = readFileSync(join(LIB, 'README.md'), 'utf8');
/** The README's example: its first js block. */
const EXAMPLE = /```js\n([\s\S]*?)```/.exec(README)?.[1] ?? '';
const ENTRY_POINTS = ['herdguard', 'herdguard/policy', 'herdguard/kubernetes', 'herdguard/failover'];

interface Packed {
  filename: string;
  size: number;
  entryCount: number;
  files: Array<{ path: string }>;
}

let redis: RedisServer;
let project: string;
let packed: Packed;
/** Plain node in the project, with nothing of this repository's environment but PATH. */
const node = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, args, { cwd: project, env: { PATH: process.env['PATH'] ?? '', HOME: project, ...env } });

beforeAll(async () => {
  if (!existsSync(TSC)) throw new Error(`${TSC} not found: run "npm ci" at the repository root`);
  redis = await startRedis();
  project = mkdtempSync(join(tmpdir(), 'herdguard-pack-'));
  const t0 = Date.now();
  // prepack builds dist/ (tsc); with --json, stdout is the pack report alone.
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', project], { cwd: LIB });
  packed = (JSON.parse(stdout) as Packed[])[0]!;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'stranger', private: true, type: 'module' }));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(project, packed.filename)], { cwd: project });
  console.log(`packed ${packed.filename}: ${packed.entryCount} files, ${packed.size} bytes; packed and installed in ${Date.now() - t0} ms`);
}, 120_000);

afterAll(async () => {
  await redis?.stop();
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the herdguard package', () => {
  it("runs the README's ten-line example against a real Redis, and prints what the README says", async () => {
    expect(EXAMPLE.trimEnd().split('\n')).toHaveLength(10);
    writeFileSync(join(project, 'example.mjs'), EXAMPLE);
    const first = await node(['example.mjs'], { REDIS_URL: redis.url });
    expect(first.stdout).toBe('Ada Ada Ada - origin calls: 1\n');
    const again = await node(['example.mjs'], { REDIS_URL: redis.url }); // the value is in Redis now
    expect(again.stdout).toBe('Ada Ada Ada - origin calls: 0\n');
    expect(README).toContain('prints `Ada Ada Ada - origin calls: 1`');
    expect(README).toContain('`Ada Ada Ada - origin calls: 0`');
  });

  it('holds the compiled entry points with their declarations, and no tests, sources or other folders', () => {
    const paths = packed.files.map((f) => f.path);
    for (const entry of ['index', 'policy', 'kubernetes', 'failover']) {
      expect(paths).toContain(`dist/${entry}.js`);
      expect(paths).toContain(`dist/${entry}.d.ts`);
    }
    expect(paths.filter((p) => p.endsWith('.d.ts')).length).toBe(paths.filter((p) => p.endsWith('.js')).length);
    expect(paths.filter((p) => !/^dist\/.+\.(js|d\.ts)$/.test(p)).sort()).toEqual(['README.md', 'package.json']);
    expect(paths.filter((p) => /test|\.ts$(?<!\.d\.ts)|testkit|example-app|operator\/|e2e|bench/.test(p))).toEqual([]);
  });

  it('imports every entry point with plain node, without the optional @kubernetes/client-node', async () => {
    expect(existsSync(join(project, 'node_modules', '@kubernetes', 'client-node'))).toBe(false);
    const script = `for (const e of ${JSON.stringify(ENTRY_POINTS)}) console.log(e, Object.keys(await import(e)).sort().join(','));`;
    const { stdout } = await node(['--input-type=module', '-e', script]);
    const lines = stdout.trim().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).toEqual(ENTRY_POINTS);
    expect(lines[0]).toMatch(/^herdguard \S*\bcreateCache\b/);
    expect(lines[0]).not.toMatch(/\b(createFailoverCache|setRedis|KubePolicySource)\b/);
    expect(lines[1]).toMatch(/\bcreateCacheFromPolicy\b.*\bparsePolicySpec\b/);
    expect(lines[2]).toMatch(/\bKubePolicySource\b/);
    expect(lines[3]).toMatch(/\bcreateFailoverCache\b/);
  });

  it('refuses a deep import: only the exports map is the interface', async () => {
    const err = await node(['--input-type=module', '-e', "await import('herdguard/dist/4-cache/index.js')"]).catch((e: unknown) => e);
    expect((err as { stderr?: string }).stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('says which package to install when a kubeconfig needs a plugin and @kubernetes/client-node is absent', async () => {
    writeFileSync(
      join(project, 'kubeconfig'),
      JSON.stringify({
        'current-context': 'c',
        contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
        clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'u', user: { exec: { command: 'get-token', apiVersion: 'client.authentication.k8s.io/v1' } } }],
      }),
    );
    const script = [
      "import { podReporterFactory } from 'herdguard/kubernetes';",
      "const env = { POD_NAME: 'p', POD_NAMESPACE: 'n', KUBECONFIG: 'kubeconfig' };",
      'const reporter = podReporterFactory({ env, logger: console });',
      "await reporter.report({ kind: 'applied', policy: 'x', generation: 1 }).catch((e) => console.log(e.code, e.message));",
    ].join('\n');
    const { stdout } = await node(['--input-type=module', '-e', script]);
    expect(stdout).toContain('E_KUBE_PLUGIN_UNAVAILABLE');
    expect(stdout).toContain('npm install @kubernetes/client-node@1.4.0');
  });

  it('type-checks a consumer against the declarations, through the exports map', async () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      [
        "import { createCache, NOT_FOUND, type Cache, type KeyspaceOptions } from 'herdguard';",
        "import { parsePolicySpec } from 'herdguard/policy';",
        "import { KubePolicySource } from 'herdguard/kubernetes';",
        "import { createFailoverCache, type FailoverCache } from 'herdguard/failover';",
        "const user: KeyspaceOptions = { ttl: '5m', staleWhileRevalidate: 60_000, negativeTTL: '30s' };",
        "const cache: Cache = createCache({ redis: null, keyspaces: { 'user:': user } });",
        "export const name: Promise<string> = cache.getOrSet('user:1', async () => (Math.random() > 2 ? NOT_FOUND : 'Ada'));",
        '// @ts-expect-error the failover hooks are not on the everyday interface',
        'cache.setRedis(null);',
        '// @ts-expect-error a misspelt keyspace option',
        "createCache({ redis: null, keyspaces: { 'user:': { ttl: '5m', tll: '1m' } } });",
        "const policy = parsePolicySpec({ targetRef: { kind: 'Deployment', name: 'x' }, keyspaces: [{ prefix: 'user:', ttl: '5m' }] });",
        "const full: FailoverCache = createFailoverCache({ service: 's', redis: null, policy });",
        'export const dropped: number = full.evictL1();',
        "export const source = new KubePolicySource({ namespace: 'shop', configMap: 'policy' });",
      ].join('\n'),
    );
    const tsconfig = {
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        noEmit: true,
        // Checks herdguard's own declarations too; only the third-party ones are skipped.
        skipLibCheck: false,
        typeRoots: [join(LIB, '..', 'node_modules', '@types')],
        types: ['node'],
      },
      files: ['consumer.ts'],
    };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const out = await run(TSC, ['-p', project], { cwd: project }).catch((e: { stdout: string }) => e);
    expect(out.stdout).toBe('');
  });
});
