/**
 * The envtest rung of the test ladder: etcd and kube-apiserver alone on free loopback ports,
 * no kubelet, for the *.kube.test.ts tests. The real node (`npm run cluster:local`, the e2e
 * scenarios) is e2e/cluster/node/.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { freePort, startProcess, tempDir, waitFor, type Managed } from '../process.js';
import { kubeBinDir } from './binaries.js';
import { ensureCerts, type ClusterCerts } from './certs.js';
import type { Proc } from './detached.js';

export interface ControlPlaneOptions {
  /** State directory (certs, etcd data, kubeconfig, logs). Default: a fresh temp dir. */
  dir?: string;
  binDir?: string;
}

export interface ControlPlane {
  readonly dir: string;
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly binDir: string;
  /** Runs kubectl against this control plane; rejects with kubectl's stderr on failure. */
  kubectl(args: string[], input?: string): Promise<string>;
  /** Stops kube-apiserver and starts it again on the same port and etcd (state survives). */
  restartApiserver(): Promise<void>;
  stop(): Promise<void>;
}

interface State {
  server: string;
  etcdPort: number;
  apiPort: number;
}

function spawnOwned(dir: string, name: string, cmd: string, args: string[]): Proc {
  const m: Managed = startProcess(name, cmd, args, { logDir: dir });
  return { pid: m.child.pid ?? -1, stop: () => m.stop(10_000) };
}

function httpsGet(url: string, certs: ClusterCerts): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca: readFileSync(certs.caCert), cert: readFileSync(certs.adminCert), key: readFileSync(certs.adminKey), timeout: 5000 },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`timeout on ${url}`)));
    req.end();
  });
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`timeout on ${url}`)));
    req.end();
  });
}

function kubeconfig(server: string, certs: ClusterCerts): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: herdguard-local
  cluster: {server: "${server}", certificate-authority: "${certs.caCert}"}
users:
- name: herdguard-admin
  user: {client-certificate: "${certs.adminCert}", client-key: "${certs.adminKey}"}
contexts:
- name: herdguard-local
  context: {cluster: herdguard-local, user: herdguard-admin, namespace: default}
current-context: herdguard-local
`;
}

function etcdArgs(dir: string, port: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name', 'herdguard', '--data-dir', join(dir, 'etcd'), '--listen-client-urls', client,
    '--advertise-client-urls', client, '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `herdguard=${peer}`, '--unsafe-no-fsync', '--log-level', 'warn',
  ];
}

function apiserverArgs(dir: string, certs: ClusterCerts, state: State): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${state.etcdPort}`, `--secure-port=${state.apiPort}`, '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1', `--cert-dir=${join(dir, 'apiserver-certs')}`,
    `--tls-cert-file=${certs.servingCert}`, `--tls-private-key-file=${certs.servingKey}`,
    `--client-ca-file=${certs.caCert}`, `--service-account-key-file=${certs.saPub}`,
    `--service-account-signing-key-file=${certs.saKey}`, '--service-account-issuer=https://kubernetes.default.svc',
    '--service-cluster-ip-range=10.0.0.0/24', '--authorization-mode=RBAC,Node', '--allow-privileged=true',
    // No controller-manager creates the default ServiceAccount, so its admission would refuse every Pod.
    '--disable-admission-plugins=ServiceAccount', '--endpoint-reconciler-type=none', '--profiling=false',
  ];
}

export async function kubectlAt(binDir: string, kubeconfigPath: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(binDir, 'kubectl'), ['--kubeconfig', kubeconfigPath, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`kubectl ${args.join(' ')} exited ${code}: ${err.trim()}`)),
    );
    child.stdin.end(input ?? '');
  });
}

/** Starts etcd and kube-apiserver and waits until the API is ready and the default namespace exists. */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binDir = opts.binDir ?? kubeBinDir();
  const dir = opts.dir ?? tempDir('cluster');
  mkdirSync(dir, { recursive: true });
  const certs = ensureCerts(dir);
  const spawnProc = spawnOwned;
  const state: State = { etcdPort: await freePort(), apiPort: 0, server: '' };
  const peerPort = await freePort();
  state.apiPort = await freePort();
  state.server = `https://127.0.0.1:${state.apiPort}`;
  writeFileSync(join(dir, 'state.json'), JSON.stringify(state));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfig(state.server, certs));

  const etcd = spawnProc(dir, 'etcd', join(binDir, 'etcd'), etcdArgs(dir, state.etcdPort, peerPort));
  let apiserver: Proc | undefined;
  const stop = async () => {
    await apiserver?.stop();
    await etcd.stop();
  };
  try {
    await waitFor('etcd', async () => (await httpGet(`http://127.0.0.1:${state.etcdPort}/health`)).includes('true'), 60_000);
    const startApi = async () => {
      apiserver = spawnProc(dir, 'kube-apiserver', join(binDir, 'kube-apiserver'), apiserverArgs(dir, certs, state));
      await waitFor('kube-apiserver /readyz', async () => (await httpsGet(`${state.server}/readyz`, certs)).status === 200, 120_000);
    };
    await startApi();
    await waitFor('the default namespace', async () => {
      const r = await httpsGet(`${state.server}/api/v1/namespaces/default`, certs);
      return r.status === 200;
    });
    return {
      dir,
      server: state.server,
      kubeconfigPath,
      binDir,
      kubectl: (args, input) => kubectlAt(binDir, kubeconfigPath, args, input),
      restartApiserver: async () => {
        await apiserver?.stop();
        await startApi();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw new Error(`the local control plane did not start; logs are in ${dir}: ${String(err)}`, { cause: err });
  }
}
