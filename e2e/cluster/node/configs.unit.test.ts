import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { apiserverArgs, cniConflist, containerdConfig, corefile, kubeProxyConfig, kubeletConfig } from './configs.js';
import { corednsManifest } from './coredns.js';
import { NODE_IP, nodeLayout } from './layout.js';

const l = nodeLayout('/srv/node');

describe('the real node configuration', () => {
  it('lets containerd run sandboxes where root cannot lower oom_score_adj', () => {
    expect(containerdConfig(l)).toMatch(/restrict_oom_score_adj = true/);
    expect(containerdConfig(l)).toMatch(/SystemdCgroup = false/);
  });

  it('keeps every containerd path under the node directory', () => {
    const paths = [...containerdConfig(l).matchAll(/= "(\/[^"]*)"/g)].map((m) => m[1]!);
    expect(paths.filter((p) => !p.startsWith('/srv/node/') && p !== '/usr/lib/cni')).toEqual([]);
  });

  it('gives pods a bridge whose gateway is the node address and masquerades nothing out of the machine', () => {
    const conf = JSON.parse(cniConflist(l)) as { plugins: { type: string; ipMasq?: boolean; ipam?: { ranges: { gateway: string }[][] } }[] };
    const bridge = conf.plugins.find((p) => p.type === 'bridge')!;
    expect(bridge.ipMasq).toBe(false);
    expect(bridge.ipam?.ranges[0]?.[0]?.gateway).toBe(NODE_IP);
  });

  it('runs the kubelet on cgroup v1 with cgroupfs and without refusing swap', () => {
    const k = parse(kubeletConfig(l)) as Record<string, unknown>;
    expect(k).toMatchObject({ cgroupDriver: 'cgroupfs', failCgroupV1: false, failSwapOn: false, address: NODE_IP, readOnlyPort: 0 });
  });

  it('binds kube-proxy node ports to the node address only and leaves conntrack settings alone', () => {
    const k = parse(kubeProxyConfig(l)) as { nodePortAddresses: string[]; conntrack: { maxPerCore: number } };
    expect(k.nodePortAddresses).toEqual([`${NODE_IP}/32`]);
    expect(k.conntrack.maxPerCore).toBe(0);
  });

  it('makes the API server prefer the node InternalIP, audit every request, and listen on the node address', () => {
    const args = apiserverArgs(l);
    expect(args).toContain('--kubelet-preferred-address-types=InternalIP,Hostname');
    expect(args).toContain(`--bind-address=${NODE_IP}`);
    expect(args.some((a) => a.startsWith('--audit-log-path='))).toBe(true);
  });

  it('answers DNS for the cluster domain only: CoreDNS has no forward', () => {
    expect(corefile()).not.toMatch(/forward/);
    expect(corednsManifest()).not.toMatch(/forward/);
    expect(corefile()).toMatch(/kubernetes cluster\.local/);
  });
});
