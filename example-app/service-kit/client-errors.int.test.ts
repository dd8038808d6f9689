import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientErrors, type InFlight } from './client-errors.js';

// An oversized head reaches the parser in several reads; Node reports the overflow once per
// read. The answer must survive the repeats, and the client must read it, not a reset.
describe('answerClientErrors on a real socket', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('ok'));
    answerClientErrors(server, new WeakMap<Socket, InFlight>());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  /**
   * Sends a head larger than the limit, then keeps sending (as a client that writes its whole
   * request before reading does) in pieces after the answer; returns what came back and the
   * client's socket error, if any.
   */
  function oversized(): Promise<{ got: string; err?: string }> {
    return new Promise((resolve) => {
      // Half-open allowed: the client goes on sending after the server's FIN, as an uploading client does.
      const c = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      let got = '';
      let err: string | undefined;
      c.on('data', (d: Buffer) => (got += d.toString('latin1')));
      c.on('error', (e: NodeJS.ErrnoException) => (err = e.code));
      c.on('close', () => resolve({ got, ...(err ? { err } : {}) }));
      c.once('connect', () => {
        c.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'v'.repeat(20_000)}`);
        let pieces = 0;
        const more = setInterval(() => {
          if (c.destroyed) return clearInterval(more);
          if (++pieces === 10) {
            clearInterval(more);
            c.end('\r\n\r\n');
          } else c.write('v'.repeat(16_384));
        }, 10);
      });
    });
  }

  it('answers 431 with the JSON error once, and drains the rest instead of resetting the connection', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, oversized));
    for (const a of answers) {
      expect(a.err).toBeUndefined();
      expect(a.got.startsWith('HTTP/1.1 431 ')).toBe(true);
      expect(a.got.match(/HTTP\/1\.1 /g)).toHaveLength(1);
      expect(a.got).toContain('"code":"headers_too_large"');
    }
  });
});
