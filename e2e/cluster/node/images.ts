/**
 * The node's images: built from the repository's Dockerfile and locally assembled bases by
 * images/local/build.sh (buildah, no Docker, no registry), then imported into the node's
 * containerd under the k8s.io namespace the kubelet uses.
 */
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { run } from './host.js';
import type { NodeLayout } from './layout.js';

const exec = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface BuiltImage {
  readonly name: string;
  /** As buildah reports it, e.g. "104 MB". */
  readonly size: string;
  readonly archive: string;
}

/** What the chart installs on the node instead of its public defaults. */
export const LOCAL_IMAGES = {
  operator: 'localhost/herdguard/operator',
  services: 'localhost/herdguard/services',
  redis: 'localhost/herdguard/redis',
  postgres: 'localhost/herdguard/postgres',
  tag: 'dev',
  redisTag: '7.0',
  postgresTag: '15',
} as const;

/** Builds what changed (layers are cached) and returns every image with its archive. */
export async function buildImages(log: (m: string) => void): Promise<BuiltImage[]> {
  log('building images with buildah (images/local/build.sh; cached layers make repeats quick)');
  const { stdout, stderr } = await exec('bash', [resolve(ROOT, 'images/local/build.sh')], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((err: unknown) => {
    const e = err as { stderr?: string };
    throw new Error(`images/local/build.sh failed: ${(e.stderr ?? String(err)).trim().split('\n').slice(-15).join('\n')}`, { cause: err });
  });
  for (const line of stderr.split('\n').filter(Boolean)) log(line);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', size = '', archive = ''] = line.split('\t');
      return { name, size, archive };
    });
}

export async function importImages(l: NodeLayout, images: readonly BuiltImage[]): Promise<void> {
  for (const image of images) {
    await run('ctr', ['-a', l.containerdSocket, '-n', 'k8s.io', 'images', 'import', image.archive]);
  }
}
