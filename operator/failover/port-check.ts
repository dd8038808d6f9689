/**
 * Tells a stalled Redis from a dead or cut-off one after a failed check. A stopped or busy
 * process still has its listening socket, so the kernel completes the TCP handshake; a dead
 * one refuses it, and a partition drops it. Only the first can wake up as a primary with its
 * fence not yet recounted (ADR 0007, "a hung primary").
 */
import { connect } from 'node:net';

export function acceptsConnections(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (accepted: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(accepted);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
