import { mkdtempSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKubeAuth } from './kubeconfig.js';

function kubeconfig(user: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hg-kubeconfig-'));
  writeFileSync(join(dir, 'ca.crt'), 'CA');
  const path = join(dir, 'config');
  writeFileSync(
    path,
    JSON.stringify({
      'current-context': 'c',
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
      clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority': 'ca.crt' } }],
      users: [{ name: 'u', user }],
    }),
  );
  return path;
}

describe('credentials read from a kubeconfig without client-node', () => {
  it('reads the server, a CA file relative to the kubeconfig, and client certificate data', async () => {
    const auth = loadKubeAuth({ KUBECONFIG: kubeconfig({ 'client-certificate-data': Buffer.from('CERT').toString('base64'), 'client-key-data': Buffer.from('KEY').toString('base64') }) });
    const opts: RequestOptions = {};
    await auth.applyToHTTPSOptions(opts);
    expect(auth.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    expect([opts.ca, opts.cert, opts.key].map((b) => (b as Buffer).toString())).toEqual(['CA', 'CERT', 'KEY']);
  });

  it('sends a bearer token', async () => {
    const opts: RequestOptions = { headers: { Accept: 'application/json' } };
    await loadKubeAuth({ KUBECONFIG: kubeconfig({ token: 'T' }) }).applyToHTTPSOptions(opts);
    expect(opts.headers).toEqual({ Accept: 'application/json', Authorization: 'Bearer T' });
  });

  it('says where it looked when nothing is configured', () => {
    expect(() => loadKubeAuth({ KUBECONFIG: '/nonexistent', HOME: '/nonexistent' })).toThrow(/set KUBECONFIG/);
  });
});
