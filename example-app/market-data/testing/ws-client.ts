/** A small WebSocket test client that records every message and the close code. */
import { WebSocket } from 'ws';

export interface Recorded {
  readonly ws: WebSocket;
  readonly messages: Array<Record<string, unknown>>;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the first message matching `pred` (already received or future). */
  next(pred: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export function openClient(url: string): Promise<Recorded> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const messages: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  ws.on('message', (d: Buffer) => {
    messages.push(JSON.parse(d.toString('utf8')) as Record<string, unknown>);
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString('utf8') })),
  );
  const next = (pred: (m: Record<string, unknown>) => boolean, timeoutMs = 10_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const hit = messages.find(pred);
        if (!hit) return;
        waiters.delete(check);
        clearTimeout(t);
        resolve(hit);
      };
      const t = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching message within ${timeoutMs}ms; got ${JSON.stringify(messages.slice(-5))}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, closed, next }));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

/** The HTTP status a refused upgrade answered with. */
export async function upgradeStatus(url: string): Promise<number> {
  try {
    const c = await openClient(url);
    c.ws.terminate();
    return 101;
  } catch (err) {
    return (err as { status?: number }).status ?? -1;
  }
}
