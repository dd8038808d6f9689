/**
 * Where the operator's API credentials come from, without loading @kubernetes/client-node
 * (its import alone costs about 70 MB of RSS and 33 MB of heap: issue 15, an operator under
 * 100 MB). Same order as client-node's loadFromDefault: $KUBECONFIG (first file), then
 * ~/.kube/config, then the pod's service account. Client certificates, tokens, token files
 * and CA bundles are read here; a user that needs an exec or auth-provider plugin is handed
 * to client-node's KubeConfig, imported only then.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { HerdguardError } from '../1-ground/errors.js';

/** What HttpKubeClient needs; @kubernetes/client-node's KubeConfig has the same shape. */
export interface KubeAuth {
  getCurrentCluster(): { server: string } | null;
  applyToHTTPSOptions(opts: RequestOptions): Promise<void>;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface Resolved {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecure: boolean;
  token?: () => string;
  /** Set when the user needs a plugin (or basic auth) this loader does not handle. */
  needsPlugin?: boolean;
  pluginConfigPath?: string;
}

type Named<T> = Array<{ name: string } & T>;
interface KubeconfigFile {
  'current-context'?: string;
  contexts?: Named<{ context: { cluster: string; user: string } }>;
  clusters?: Named<{ cluster: Record<string, string | boolean | undefined> }>;
  users?: Named<{ user?: Record<string, unknown> }>;
}

class LightKubeConfig implements KubeAuth {
  private plugin: Promise<KubeAuth> | undefined;

  constructor(private readonly r: Resolved) {}

  getCurrentCluster(): { server: string } {
    return { server: this.r.server };
  }

  async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    if (this.r.pluginConfigPath) {
      this.plugin ??= loadPluginConfig(this.r.pluginConfigPath);
      return (await this.plugin).applyToHTTPSOptions(opts);
    }
    if (this.r.ca) opts.ca = this.r.ca;
    if (this.r.cert) opts.cert = this.r.cert;
    if (this.r.key) opts.key = this.r.key;
    if (this.r.insecure) opts.rejectUnauthorized = false;
    // Read on every request: a projected service-account token is rotated on disk.
    if (this.r.token) opts.headers = { ...opts.headers, Authorization: `Bearer ${this.r.token()}` };
  }
}

/** The version the workspace is tested with; the herdguard package names it as an optional peer. */
const CLIENT_NODE = '@kubernetes/client-node@1.4.0';

async function loadPluginConfig(path: string): Promise<KubeAuth> {
  const { KubeConfig } = await import('@kubernetes/client-node').catch((cause: unknown) => {
    if ((cause as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw cause;
    throw new HerdguardError(
      'E_KUBE_PLUGIN_UNAVAILABLE',
      `kubeconfig ${path}: its user needs an exec or auth-provider plugin (or basic auth), which herdguard runs through @kubernetes/client-node: npm install ${CLIENT_NODE}`,
      { path },
      { cause },
    );
  });
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

type Read = (p: unknown) => Buffer | undefined;
const data = (d: unknown) => (typeof d === 'string' ? Buffer.from(d, 'base64') : undefined);

function fromFile(path: string): Resolved {
  const doc = parse(readFileSync(path, 'utf8')) as KubeconfigFile;
  const base = dirname(path);
  const file: Read = (p) => (typeof p === 'string' ? readFileSync(isAbsolute(p) ? p : join(base, p)) : undefined);
  const ctxName = doc['current-context'];
  const ctx = doc.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`kubeconfig ${path}: no context named by current-context ${JSON.stringify(ctxName)}`);
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster || typeof cluster['server'] !== 'string') throw new Error(`kubeconfig ${path}: cluster ${JSON.stringify(ctx.cluster)} has no server`);
  const r: Resolved = { server: cluster['server'], insecure: cluster['insecure-skip-tls-verify'] === true };
  const ca = data(cluster['certificate-authority-data']) ?? file(cluster['certificate-authority']);
  if (ca) r.ca = ca;
  addUser(r, doc.users?.find((u) => u.name === ctx.user)?.user ?? {}, file, base);
  if (r.needsPlugin) r.pluginConfigPath = path;
  return r;
}

function addUser(r: Resolved, user: Record<string, unknown>, file: Read, base: string): void {
  const cert = data(user['client-certificate-data']) ?? file(user['client-certificate']);
  const key = data(user['client-key-data']) ?? file(user['client-key']);
  if (cert) r.cert = cert;
  if (key) r.key = key;
  const token = user['token'];
  const tokenFile = user['tokenFile'];
  if (typeof token === 'string') r.token = () => token;
  else if (typeof tokenFile === 'string') r.token = () => readFileSync(isAbsolute(tokenFile) ? tokenFile : join(base, tokenFile), 'utf8').trim();
  r.needsPlugin = Boolean(user['exec'] || user['auth-provider'] || user['username']);
}

function inCluster(env: NodeJS.ProcessEnv): Resolved | undefined {
  const host = env['KUBERNETES_SERVICE_HOST'];
  if (!host || !existsSync(join(SA_DIR, 'token'))) return undefined;
  const h = host.includes(':') ? `[${host}]` : host;
  return {
    server: `https://${h}:${env['KUBERNETES_SERVICE_PORT'] ?? '443'}`,
    ca: readFileSync(join(SA_DIR, 'ca.crt')),
    insecure: false,
    token: () => readFileSync(join(SA_DIR, 'token'), 'utf8').trim(),
  };
}

/** The credentials client-node's loadFromDefault would find, or an error saying where it looked. */
export function loadKubeAuth(env: NodeJS.ProcessEnv = process.env): KubeAuth {
  const listed = env['KUBECONFIG']?.split(delimiter).find((p) => p && existsSync(p));
  const home = join(env['HOME'] ?? homedir(), '.kube', 'config');
  const path = listed ?? (existsSync(home) ? home : undefined);
  const r = path ? fromFile(path) : inCluster(env);
  if (!r) throw new Error('no current cluster: set KUBECONFIG, provide ~/.kube/config, or run in a pod with a service account');
  return new LightKubeConfig(r);
}
