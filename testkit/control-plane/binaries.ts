/**
 * Finds the real control-plane binaries (kube-apiserver, etcd, kubectl): HERDGUARD_KUBE_BIN,
 * then KUBEBUILDER_ASSETS, then scripts/ensure-kube-binaries.sh (builds them once, cached).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KUBE_BINARIES = ['kube-apiserver', 'etcd', 'kubectl'] as const;
export type KubeBinary = (typeof KUBE_BINARIES)[number];

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export class KubeBinariesMissingError extends Error {
  readonly code = 'E_KUBE_BINARIES_MISSING';
  constructor(dir: string, missing: string[], source: string) {
    super(
      `${missing.join(', ')} not found in ${dir} (from ${source}); run "bash scripts/ensure-kube-binaries.sh" ` +
        'to build them, or set HERDGUARD_KUBE_BIN / KUBEBUILDER_ASSETS to a directory holding kube-apiserver, etcd and kubectl',
    );
  }
}

const missingIn = (dir: string) => KUBE_BINARIES.filter((b) => !existsSync(join(dir, b)));

/** The directory holding all three binaries; builds them when none is configured. */
export function kubeBinDir(env: NodeJS.ProcessEnv = process.env): string {
  for (const source of ['HERDGUARD_KUBE_BIN', 'KUBEBUILDER_ASSETS'] as const) {
    const dir = env[source];
    if (!dir) continue;
    const missing = missingIn(dir);
    if (missing.length === 0) return dir;
    if (source === 'HERDGUARD_KUBE_BIN') throw new KubeBinariesMissingError(dir, missing, source);
  }
  const script = join(repoRoot, 'scripts/ensure-kube-binaries.sh');
  const dir = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const missing = missingIn(dir);
  if (missing.length) throw new KubeBinariesMissingError(dir, missing, script);
  return dir;
}

export function kubeBinary(name: KubeBinary, env: NodeJS.ProcessEnv = process.env): string {
  return join(kubeBinDir(env), name);
}
