/**
 * A real TCP proxy that answers late: what the server sends back is held for `delayMs()`
 * (read when each chunk arrives) and never reordered, so a burst of latency also delays what
 * queues behind it, as a slow server does. Requests pass at once. The proxy runs in this
 * process on the node's host; `redirectThrough` sends the pods' connections to one address
 * through it with a DNAT rule in each pod's own network namespace (ADR 0008: the node's host
 * is every pod's gateway), and resets the connections they had opened before, so that none
 * goes around it.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Provider } from '../providers/provider.js';

export interface Address {
  readonly host: string;
  readonly port: number;
}

export class DelayProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Distinct client addresses that connected: every redirected pod shows up here. */
  readonly clients = new Set<string>();
  connections = 0;

  constructor(
    private readonly upstream: Address,
    private readonly delayMs: () => number,
  ) {
    this.server = createServer((client) => this.relay(client));
  }

  /** Listens on every address of the host; resolves to the port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '0.0.0.0', () => resolve((this.server.address() as { port: number }).port));
    });
  }

  /** Stops listening and closes every relayed connection. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    this.connections++;
    if (client.remoteAddress) this.clients.add(client.remoteAddress.replace(/^::ffff:/, ''));
    const server = connect(this.upstream.port, this.upstream.host);
    for (const s of [client, server]) {
      this.sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => undefined); // either side closing is the other side's close, below
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        server.destroy();
      });
    }
    client.pipe(server);
    // Each chunk leaves at its arrival + the delay then in force, never before the one ahead of it.
    let lastDue = 0;
    server.on('data', (chunk: Buffer) => {
      const due = Math.max(performance.now() + this.delayMs(), lastDue);
      lastDue = due;
      const wait = due - performance.now();
      if (wait <= 0) client.write(chunk);
      else setTimeout(() => client.writable && client.write(chunk), wait);
    });
  }
}

/**
 * Sends every new connection the named pods open to `target` through `via` (a port on the
 * pods' gateway, this host), and resets the ones already open to `target` so their clients
 * reconnect through it. Resolves to the undo.
 */
export async function redirectThrough(p: Provider, pods: readonly string[], target: Address, viaPort: number): Promise<() => Promise<void>> {
  const done: Array<{ pod: string; rules: string[][] }> = [];
  const undo = async () => {
    for (const { pod, rules } of done) for (const r of rules) await p.inPodNetwork(pod, ['iptables', ...r.map((a) => (a === '-I' ? '-D' : a))]).catch(() => undefined);
  };
  try {
    for (const pod of pods) {
      const gateway = /^default via (\S+)/m.exec(await p.inPodNetwork(pod, ['ip', '-4', 'route', 'show', 'default']))?.[1];
      if (!gateway) throw new Error(`${pod} has no IPv4 default route to reach the proxy on its gateway`);
      const match = ['-p', 'tcp', '-d', target.host, '--dport', String(target.port)];
      const rules = [
        // New connections: to the proxy (nat OUTPUT runs before filter OUTPUT, so these pass the next rule).
        ['-t', 'nat', '-I', 'OUTPUT', ...match, '-j', 'DNAT', '--to-destination', `${gateway}:${viaPort}`],
        // Connections opened before the DNAT rule still go straight to the target: reset them.
        ['-I', 'OUTPUT', ...match, '-j', 'REJECT', '--reject-with', 'tcp-reset'],
      ];
      const applied: string[][] = [];
      done.push({ pod, rules: applied });
      for (const r of rules) {
        await p.inPodNetwork(pod, ['iptables', ...r]);
        applied.push(r);
      }
    }
  } catch (err) {
    await undo();
    throw err;
  }
  return undo;
}
