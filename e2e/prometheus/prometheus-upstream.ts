/**
 * A Prometheus that can discover pods. Debian's /usr/bin/prometheus has no Kubernetes service
 * discovery: Debian removed it for client-go's dependency tree (NEWS.Debian, 1.5.0+ds-1), so
 * `kubernetes_sd_configs` is an unknown field there. The same upstream release (2.42, Go
 * module v0.42.0) is built once from its module with `go` itself, cached outside the repo as
 * the node's Kubernetes binaries are; HERDGUARD_PROMETHEUS_KUBERNETES names another binary.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** The module version of the Prometheus release Debian ships (2.42.0): the same PromQL and rule engine. */
export const PROMETHEUS_MODULE = 'github.com/prometheus/prometheus';
export const PROMETHEUS_MODULE_VERSION = 'v0.42.0';

export function kubernetesPrometheusPath(): string {
  const cache = process.env['HERDGUARD_CACHE'] ?? join(homedir(), '.cache/herdguard');
  return process.env['HERDGUARD_PROMETHEUS_KUBERNETES'] ?? join(cache, `prometheus-${PROMETHEUS_MODULE_VERSION}`, 'bin', 'prometheus');
}

const run = async (file: string, args: string[], cwd: string): Promise<string> => {
  try {
    return (await exec(file, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GOTOOLCHAIN: 'local' } })).stdout;
  } catch (err) {
    const e = err as { stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${(e.stderr ?? String(err)).trim().split('\n').slice(-20).join('\n')}`, { cause: err });
  }
};

/**
 * The path of a Prometheus with Kubernetes discovery, built on first use (several minutes on
 * 2 cores: client-go and every other discovery's SDK compile with it).
 */
export async function ensureKubernetesPrometheus(log: (m: string) => void = (m) => console.error(`[prometheus] ${m}`)): Promise<string> {
  const out = kubernetesPrometheusPath();
  if (existsSync(out)) return out;
  if (process.env['HERDGUARD_PROMETHEUS_KUBERNETES']) throw new Error(`HERDGUARD_PROMETHEUS_KUBERNETES=${out} does not exist`);
  const root = join(out, '../..');
  const src = join(root, 'src');
  mkdirSync(join(root, 'bin'), { recursive: true });
  const started = Date.now();
  log(`building Prometheus ${PROMETHEUS_MODULE_VERSION} with Kubernetes discovery into ${out} (first time only; Debian's has none)`);
  // `go` resolves the module wherever GOPROXY points; the module cache is read-only, so the build runs on a copy.
  const { Dir: dir } = JSON.parse(await run('go', ['mod', 'download', '-json', `${PROMETHEUS_MODULE}@${PROMETHEUS_MODULE_VERSION}`], root)) as { Dir?: string };
  if (!dir) throw new Error(`go mod download gave no directory for ${PROMETHEUS_MODULE}@${PROMETHEUS_MODULE_VERSION}`);
  rmSync(src, { recursive: true, force: true });
  await run('cp', ['-r', dir, src], root);
  await run('chmod', ['-R', 'u+w', src], root);
  const tmp = `${out}.${process.pid}.tmp`;
  await run('go', ['build', '-trimpath', '-o', tmp, './cmd/prometheus'], src);
  renameSync(tmp, out);
  log(`built ${out} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return out;
}
