/**
 * The external tools the kind provider drives (docker, kind, helm, kubectl): a preflight
 * that names every missing one with how to get it, and a command runner that rejects with
 * the tool's stderr.
 */
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export class MissingToolError extends Error {
  readonly code = 'E_KIND_TOOLS_MISSING';
  constructor(readonly missing: readonly string[], details: readonly string[]) {
    super(`the kind provider needs ${missing.join(', ')}:\n  ${details.join('\n  ')}\nthe local provider needs none of them: npm run e2e -- --provider local`);
  }
}

const HOW_TO: Record<string, string> = {
  docker: 'docker: install Docker Engine (https://docs.docker.com/engine/install/) and make sure `docker info` works for this user',
  kind: 'kind: install kind >= 0.24 (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)',
};

/** The first executable called `name` on PATH, or undefined. */
export function which(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface Tools {
  readonly docker: string;
  readonly kind: string;
}

/** Checks docker (and that its daemon answers) and kind; helm and kubectl come from the repo's scripts. */
export function preflight(env: NodeJS.ProcessEnv = process.env, dockerInfo = defaultDockerInfo): Tools {
  const missing: string[] = [];
  const details: string[] = [];
  const docker = which('docker', env);
  const kind = which('kind', env);
  if (!docker) {
    missing.push('docker');
    details.push(HOW_TO['docker']!);
  } else {
    const err = dockerInfo(docker, env);
    if (err) {
      missing.push('a running Docker daemon');
      details.push(`\`docker info\` failed: ${err}`);
    }
  }
  if (!kind) {
    missing.push('kind');
    details.push(HOW_TO['kind']!);
  }
  if (missing.length) throw new MissingToolError(missing, details);
  return { docker: docker!, kind: kind! };
}

function defaultDockerInfo(docker: string, env: NodeJS.ProcessEnv): string | undefined {
  try {
    execFileSync(docker, ['info', '--format', '{{.ServerVersion}}'], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    return undefined;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr || String(err);
  }
}

/** Runs a command, streaming nothing; resolves with stdout, rejects with stderr. */
export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; echo?: (line: string) => void } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (opts.echo) for (const l of c.toString().split('\n')) if (l.trim()) opts.echo(l);
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.trim().slice(-2000)}`))));
    child.stdin.end(opts.input ?? '');
  });
}
