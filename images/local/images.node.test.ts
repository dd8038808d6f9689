/**
 * The two images the Dockerfile builds, as built on this machine (images/local/build.sh):
 * their config and every file in them. Each image is mounted read-only through a buildah
 * working container of our own, walked, then removed.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Libraries the comparison benchmarks and dashboards build use; never shipped. */
const PEER_LIBRARIES = ['bentocache', '@epic-web/cachified', '@grafana/grafana-foundation-sdk'];
const SHELLS = ['sh', 'bash', 'dash', 'ash', 'busybox'];
const PACKAGE_MANAGERS = ['npm', 'npx', 'corepack', 'yarn', 'pnpm', 'apt', 'apt-get', 'dpkg', 'apk', 'yum', 'dnf'];
/** Entry points the chart and the Dockerfile run. */
const ENTRY_POINTS = [
  'app/operator/main.js', 'app/example-app/profile/main.js', 'app/example-app/profile/seed.js', 'app/example-app/market-data/main.js',
  'app/example-app/feed-simulator/main.js', 'app/lib/4-cache/sources/kube-source.js', 'app/operator/chaos/pausing-main.js',
];

/** buildah with the store flags images/local/lib.sh uses, and the image names it builds. */
async function buildahSetup(): Promise<{ buildah: string[]; images: { operator: string; services: string } }> {
  const { stdout } = await exec('bash', ['-c', '. images/local/lib.sh; printf "%s\\n" "$OPERATOR_IMAGE" "$SERVICES_IMAGE" "${BUILDAH[@]}"'], { cwd: ROOT });
  const [operator = '', services = '', ...buildah] = stdout.trim().split('\n');
  return { buildah, images: { operator, services } };
}

interface ImageView {
  readonly name: string;
  readonly user: string;
  readonly size: string;
  /** Every path in the image, relative to its root ("app/package.json"). */
  readonly files: Set<string>;
  readonly root: string;
}

let buildah: (args: string[]) => Promise<string>;
const containers: string[] = [];
const views: Record<'operator' | 'services', ImageView> = {} as never;

function walk(root: string, rel = ''): string[] {
  return readdirSync(join(root, rel), { withFileTypes: true }).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? [p, ...walk(root, p)] : [p];
  });
}

async function view(target: 'operator' | 'services', image: string): Promise<ImageView> {
  const inspect = JSON.parse(await buildah(['inspect', '--type', 'image', image])) as { OCIv1: { config?: { User?: string } } };
  const size = (await buildah(['images', '--format', '{{.Size}}', image])).trim().split('\n')[0]!;
  const container = (await buildah(['from', '--pull-never', '--name', `herdguard-image-test-${target}-${process.pid}`, image])).trim();
  containers.push(container);
  const root = (await buildah(['mount', container])).trim();
  return { name: image, user: inspect.OCIv1.config?.User ?? '', size, files: new Set(walk(root)), root };
}

beforeAll(async () => {
  const setup = await buildahSetup();
  buildah = async (args) => (await exec(setup.buildah[0]!, [...setup.buildah.slice(1), ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  for (const target of ['operator', 'services'] as const) views[target] = await view(target, setup.images[target]);
  console.table(Object.values(views).map((v) => ({ image: v.name, size: v.size, user: v.user, files: v.files.size })));
}, 120_000);

afterAll(async () => {
  for (const c of containers) {
    await buildah(['umount', c]).catch(() => undefined);
    await buildah(['rm', c]);
  }
});

const names = (files: Set<string>) => [...files].map((f) => ({ path: f, base: f.slice(f.lastIndexOf('/') + 1) }));

describe.each(['operator', 'services'] as const)('the %s image', (target) => {
  it('runs as uid and gid 65532', () => {
    expect(views[target].user).toBe('65532:65532');
  });

  it('holds no shell', () => {
    expect(names(views[target].files).filter((f) => SHELLS.includes(f.base)).map((f) => f.path)).toEqual([]);
  });

  it('holds no package manager, neither a binary nor npm as a node module', () => {
    const found = names(views[target].files).filter((f) => PACKAGE_MANAGERS.includes(f.base) || /(^|\/)node_modules\/(npm|corepack)$/.test(f.path));
    expect(found.map((f) => f.path)).toEqual([]);
  });

  it('ships only production dependencies: no devDependency and no peer-library code in node_modules', () => {
    const { root, files } = views[target];
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    // A package is in the image when its package.json is (npm prune leaves empty scope folders).
    const shipped = [...files].filter((f) => /^app\/node_modules\/((@[^/]+\/)?[^@/][^/]*)\/package\.json$/.test(f)).map((f) => f.slice('app/'.length, -'/package.json'.length));
    expect(shipped.length).toBeGreaterThan(20);
    const withFiles = (name: string) => existsSync(join(root, 'app/node_modules', name)) && walk(join(root, 'app/node_modules', name)).length > 0;
    expect(PEER_LIBRARIES.filter(withFiles), 'peer libraries').toEqual([]);
    // A devDependency may also be a production dependency's dependency (@types/node, through
    // @kubernetes/client-node's @types/* deps): npm keeps it then, and the lockfile says so.
    const devShipped = Object.keys(pkg.devDependencies).filter(withFiles);
    expect(devShipped.filter((d) => lock.packages[`node_modules/${d}`]?.dev !== undefined), 'devDependencies shipped').toEqual([]);
    if (devShipped.length) console.log(`${target}: devDependencies kept because production dependencies need them: ${devShipped.join(', ')}`);
    expect(shipped.filter((p) => lock.packages[p]?.dev), 'packages the lockfile marks dev-only').toEqual([]);
    expect(shipped.filter((p) => !lock.packages[p]), 'packages the lockfile does not know').toEqual([]);
  });

  it('holds every entry point the chart runs, compiled, and no test code or TypeScript source', () => {
    const { files } = views[target];
    for (const e of ENTRY_POINTS) expect(files.has(e), e).toBe(true);
    const ours = [...files].filter((f) => /^app\/(operator|example-app)\//.test(f));
    expect(ours.filter((f) => /\.test\.|test-helpers|\/testing\/|\.ts$/.test(f))).toEqual([]);
    expect([...files].filter((f) => /^app\/(e2e|bench|charts|dashboards)(\/|$)/.test(f))).toEqual([]);
    // The peer libraries' adapters go with the libraries: CACHE_IMPL=bentocache fails with a message there.
    expect(ours.filter((f) => /\/stores\/(bentocache|cachified|cachified-redis)\.js$/.test(f)), 'peer adapters').toEqual([]);
  });
});
