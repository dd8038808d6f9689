import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DelayProxy } from './delay-proxy.js';

/** A server on port 0 that answers every chunk with "<chunk>!". */
async function echo(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => s.on('data', (d: Buffer) => s.write(`${d.toString()}!`)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

function client(port: number): Promise<{ socket: Socket; replies: Array<{ text: string; at: number }> }> {
  const replies: Array<{ text: string; at: number }> = [];
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, replies }));
    socket.on('data', (d: Buffer) => replies.push({ text: d.toString(), at: performance.now() }));
  });
}

const until = async (ok: () => boolean) => {
  while (!ok()) await new Promise((r) => setTimeout(r, 5));
};

describe('the delaying TCP proxy of the chaos scenarios', () => {
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  async function setup(delay: () => number) {
    const upstream = await echo();
    closers.push(() => new Promise((r) => upstream.server.close(r)));
    const proxy = new DelayProxy({ host: '127.0.0.1', port: upstream.port }, delay);
    const port = await proxy.listen();
    closers.push(() => proxy.close());
    const c = await client(port);
    closers.push(() => c.socket.destroy());
    return { proxy, ...c };
  }

  it('holds every answer for the delay in force when it arrives', async () => {
    const { socket, replies, proxy } = await setup(() => 150);
    const sent = performance.now();
    socket.write('a');
    await until(() => replies.length === 1);
    expect(replies[0]?.text).toBe('a!');
    expect((replies[0]?.at ?? 0) - sent).toBeGreaterThanOrEqual(145);
    expect(proxy.connections).toBe(1);
    expect([...proxy.clients]).toEqual(['127.0.0.1']);
  });

  it('never lets an answer overtake a delayed one, so a burst also delays what queues behind it', async () => {
    let delay = 200;
    const { socket, replies } = await setup(() => delay);
    socket.write('slow');
    await new Promise((r) => setTimeout(r, 50)); // the upstream answered; its answer is held
    delay = 0;
    socket.write('fast');
    await until(() => replies.map((r) => r.text).join('') === 'slow!fast!');
    expect(replies.map((r) => r.text).join('')).toBe('slow!fast!');
  });

  it('passes answers at once when the delay is zero', async () => {
    const { socket, replies } = await setup(() => 0);
    const sent = performance.now();
    socket.write('x');
    await until(() => replies.length === 1);
    expect((replies[0]?.at ?? 0) - sent).toBeLessThan(100);
  });
});
