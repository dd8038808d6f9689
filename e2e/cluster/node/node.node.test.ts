/**
 * The real node's life cycle on this machine: up (kubelet, containerd, CNI, kube-proxy,
 * CoreDNS), a pod that resolves and reaches the API server through its Service, an `up`
 * that finds the node running, and a `down` that leaves nothing behind.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_SERVICE_IP, NODE_NAME, nodeLayout } from './layout.js';
import { leftovers } from './host.js';
import { LOCAL_IMAGES } from './images.js';
import { down, up, type NodeCluster } from './node.js';

const layout = nodeLayout();
const log = (m: string) => console.error(`[node test] ${m}`);
let ipForwardBefore = '';
let node: NodeCluster;

beforeAll(async () => {
  // A clean start: whatever an earlier run left is taken down first; the host's own
  // ip_forward is what remains after that.
  await down(log, layout);
  ipForwardBefore = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
  node = await up(log, layout);
}, 1_200_000);

afterAll(async () => {
  await down(log, layout);
}, 300_000);

const probePod = (name: string, script: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      restartPolicy: 'Never',
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'probe', image: `${LOCAL_IMAGES.services}:${LOCAL_IMAGES.tag}`, imagePullPolicy: 'Never', args: ['-e', script],
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      }],
    },
  });

describe('the real node', () => {
  it('is Ready, on containerd, with the kubelet built here', async () => {
    const n = JSON.parse(await node.kubectl(['get', 'node', NODE_NAME, '-o', 'json'])) as {
      status: { nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string }; conditions: { type: string; status: string }[] };
    };
    expect(n.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(n.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\//);
    expect(n.status.nodeInfo.kubeletVersion).toBe('v1.34.4');
  });

  it('runs a pod from an image built here, on its own pod IP, that resolves and reaches the API server through CoreDNS and kube-proxy', async () => {
    const script = `require('node:dns').promises.lookup('kubernetes.default.svc.cluster.local').then(({ address }) => {
      const s = require('node:net').connect(443, address, () => { console.log('reached ' + address); s.end(); });
      s.on('error', (e) => { console.error(e.message); process.exitCode = 1; });
    }, (e) => { console.error(e.message); process.exitCode = 1; });`;
    await node.kubectl(['apply', '-f', '-'], probePod('probe-dns', script));
    await node.kubectl(['wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/probe-dns', '--timeout=120s']);
    expect((await node.kubectl(['logs', 'probe-dns'])).trim()).toBe(`reached ${API_SERVICE_IP}`);
    const ip = (await node.kubectl(['get', 'pod', 'probe-dns', '-o', 'jsonpath={.status.podIP}'])).trim();
    expect(ip).toMatch(/^10\.244\.0\.\d+$/);
    await node.kubectl(['delete', 'pod', 'probe-dns', '--wait=true']);
  });

  it('finds the node running on a second up, without restarting it', async () => {
    const uid = (await node.kubectl(['get', 'node', NODE_NAME, '-o', 'jsonpath={.metadata.uid}'])).trim();
    const again = await up(log, layout);
    expect((await again.kubectl(['get', 'node', NODE_NAME, '-o', 'jsonpath={.metadata.uid}'])).trim()).toBe(uid);
  });

  it('leaves no process, mount, network namespace, bridge or KUBE-/CNI- chain after down, and restores ip_forward', async () => {
    const left = await down(log, layout);
    expect(left).toEqual([]);
    expect(await leftovers(layout)).toEqual([]);
    expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim()).toBe(ipForwardBefore);
  });
});
