/**
 * The `local` cluster: the real single node on this machine (e2e/cluster/node), with the
 * images built here from the Dockerfile and imported into its containerd. Pods are reached
 * at their own IPs over the node's bridge.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { down, up } from '../cluster/node/node.js';
import { LOCAL_IMAGES } from '../cluster/node/images.js';
import { nodeLayout } from '../cluster/node/layout.js';
import type { Cluster, Endpoint } from './cluster.js';

export class LocalCluster implements Cluster {
  readonly name = 'local';
  private readonly layout = nodeLayout();

  async up(log: (m: string) => void): Promise<{ kubeconfigPath: string; kubectl: string }> {
    const node = await up(log, this.layout);
    return { kubeconfigPath: node.kubeconfigPath, kubectl: join(node.binDir, 'kubectl') };
  }

  async down(log: (m: string) => void): Promise<void> {
    const left = await down(log, this.layout);
    if (left.length) throw new Error(`the node's down left behind:\n  ${left.join('\n  ')}`);
  }

  imageValues(): Record<string, unknown> {
    const i = LOCAL_IMAGES;
    return {
      // Never: the images exist only in the node's containerd; a pull would leave the machine.
      image: { pullPolicy: 'Never', operator: { repository: i.operator, tag: i.tag }, services: { repository: i.services, tag: i.tag } },
      redis: { image: { repository: i.redis, tag: i.redisTag, pullPolicy: 'Never' } },
      postgresql: { image: { repository: i.postgres, tag: i.postgresTag, pullPolicy: 'Never' } },
    };
  }

  ctr(): string[] {
    return ['ctr', '-a', this.layout.containerdSocket, '-n', 'k8s.io'];
  }

  nsenter(): string[] {
    return ['nsenter'];
  }

  reach(pod: { ip: string }, port: number): Promise<Endpoint> {
    return Promise.resolve({ host: pod.ip, port });
  }

  release(): void {
    // Nothing to stop: pod IPs are reached directly.
  }

  auditLogFiles(): string[] {
    const dir = dirname(this.layout.auditLog);
    const backups = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('audit-') && f.endsWith('.log')).sort() : [];
    return [...backups.map((f) => join(dir, f)), this.layout.auditLog];
  }
}
