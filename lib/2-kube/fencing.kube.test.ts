/**
 * The leader's fence on a real kube-apiserver, reached through a TCP relay the test can
 * turn into a black hole (connections stay open, nothing gets through): the network fault
 * behind a hung lease renewal. Every request times out, so the leader stops within its
 * renew deadline and refuses to act before another replica can hold the Lease.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../testkit/control-plane/control-plane.js';
import { HttpKubeClient } from './client.js';
import { systemClock } from '../1-ground/clock.js';
import { LeaderElector } from './leader.js';
import { resources } from './resources.js';

const NS = 'hg-fencing';
let cp: ControlPlane;
let relay: BlackHoleRelay;

/** Forwards TCP to the API server until `cut()`: then every byte, old connection or new, goes nowhere. */
class BlackHoleRelay {
  private cutOff = false;
  private readonly sockets = new Set<Socket>();
  private constructor(private readonly server: Server) {}

  static async start(target: URL): Promise<BlackHoleRelay> {
    let self: BlackHoleRelay | null = null;
    const server = createServer((client) => {
      const r = self!;
      r.track(client);
      if (r.cutOff) return client.pause();
      const up = connect(Number(target.port), target.hostname);
      r.track(up);
      client.pipe(up);
      up.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new BlackHoleRelay(server);
    return self;
  }

  get url(): string {
    const a = this.server.address();
    return `https://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  }

  cut(): void {
    this.cutOff = true;
    for (const s of this.sockets) {
      s.unpipe();
      s.pause();
    }
  }

  private track(s: Socket): void {
    s.on('error', () => undefined);
    s.on('close', () => this.sockets.delete(s));
    this.sockets.add(s);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function clientVia(url: string, requestTimeoutMs: number): HttpKubeClient {
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const cluster = kc.getCurrentCluster()!;
  kc.loadFromOptions({
    clusters: [{ ...cluster, server: url }],
    users: kc.getUsers(),
    contexts: kc.getContexts(),
    currentContext: kc.getCurrentContext(),
  });
  return new HttpKubeClient({ kubeConfig: kc, requestTimeoutMs, userAgent: 'herdguard-fencing-test' });
}

beforeAll(async () => {
  cp = await startControlPlane();
  relay = await BlackHoleRelay.start(new URL(cp.server));
  const direct = clientVia(cp.server, 5000);
  await direct.create({ res: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace' } }, { metadata: { name: NS } });
  direct.close();
});

afterAll(async () => {
  await relay?.close();
  await cp?.stop();
});

describe('the leader fence on a real API server', () => {
  it('times every request out, stops leading within the renew deadline, and refuses to act before the Lease could pass on', async () => {
    const client = clientVia(relay.url, 400);
    let leading = false;
    let stoppedAt: number | null = null;
    const elector = new LeaderElector({
      client,
      namespace: NS,
      name: 'fencing',
      identity: 'leader',
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 400,
      clock: systemClock,
      onStartedLeading: () => (leading = true),
      onStoppedLeading: () => {
        leading = false;
        stoppedAt = performance.now();
      },
    });
    elector.start();
    for (let i = 0; i < 100 && !leading; i++) await new Promise((r) => setTimeout(r, 50));
    expect(leading).toBe(true);
    await expect(elector.ensureLeading()).resolves.toBeUndefined();

    relay.cut();
    const cutAt = performance.now();
    // A request into the black hole fails by its own timeout, with a typed error.
    await expect(client.get({ res: resources.leases, namespace: NS, name: 'fencing' })).rejects.toMatchObject({ code: 'E_KUBE_TIMEOUT' });
    for (let i = 0; i < 100 && elector.holds(); i++) await new Promise((r) => setTimeout(r, 25));
    const refusedAfterMs = performance.now() - cutAt;
    await expect(elector.ensureLeading()).rejects.toMatchObject({ code: 'E_NOT_LEADER' });
    for (let i = 0; i < 100 && stoppedAt === null; i++) await new Promise((r) => setTimeout(r, 50));
    const stoppedAfterMs = (stoppedAt ?? Infinity) - cutAt;
    console.info(`leader fence: refuses to act ${Math.round(refusedAfterMs)} ms, stops leading ${Math.round(stoppedAfterMs)} ms after the API went dark (lease 3000 ms, renew deadline 2000 ms)`);
    // Before another replica could take the Lease (it waits a whole lease from the last renewal it saw).
    expect(refusedAfterMs).toBeLessThan(3000);
    expect(stoppedAfterMs).toBeLessThan(2000 + 400 + 400 + 200);
    await elector.stop();
    client.close();
  });
});
