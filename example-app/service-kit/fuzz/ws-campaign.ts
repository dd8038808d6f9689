/**
 * Runs generated frame sequences against a real market-data process, one WebSocket per input
 * over a raw socket. After the frames comes a sentinel (an unsubscribe from a symbol no one
 * holds, answered with an error that echoes it), so the exchange ends as soon as the server
 * has judged every frame: at the sentinel's answer or at the server's close. The rule:
 * - every text frame the server sends is a JSON message of a known type, errors with a known code;
 * - every close the server sends carries a known code; 1011 (internal error) is a failure;
 * - the exchange ends within the timeout, with the sentinel's answer or a close frame (a
 *   connection cut without one is a failure: the client would not know why).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { frameInputs, textFrame, type FrameInput } from './ws-frames.js';

export const WS_MESSAGE_TYPES = ['hello', 'subscribed', 'unsubscribed', 'error', 'pong', 'quote'] as const;
export const WS_ERROR_CODES = ['invalid_json', 'invalid_message', 'unknown_op', 'binary_not_accepted', 'unknown_symbol', 'malformed_symbol', 'too_many_subscriptions', 'not_subscribed'] as const;
/** 1000 normal, 1002 protocol error, 1007 invalid UTF-8, 1009 too big, 4002 bad messages, 4003 rate. */
export const WS_CLOSE_CODES = [1000, 1001, 1002, 1005, 1007, 1009, 4001, 4002, 4003, 4004] as const;

export interface WsStats {
  sent: number;
  frames: number;
  serverMessages: number;
  closes: Record<string, number>;
  codes: Record<string, number>;
  failures: string[];
}

const TIMEOUT_MS = 5000;

interface ServerFrame {
  readonly opcode: number;
  readonly payload: Buffer;
}

/** Server frames (unmasked) in `buf`, and the bytes left over. */
function parseFrames(buf: Buffer): { frames: ServerFrame[]; rest: Buffer } {
  const frames: ServerFrame[] = [];
  let at = 0;
  while (buf.length - at >= 2) {
    const b1 = buf[at + 1] as number;
    let len = b1 & 0x7f;
    let off = 2;
    if (len === 126) {
      if (buf.length - at < 4) break;
      len = buf.readUInt16BE(at + 2);
      off = 4;
    } else if (len === 127) {
      if (buf.length - at < 10) break;
      len = Number(buf.readBigUInt64BE(at + 2));
      off = 10;
    }
    if (buf.length - at < off + len) break;
    frames.push({ opcode: (buf[at] as number) & 0x0f, payload: buf.subarray(at + off, at + off + len) });
    at += off + len;
  }
  return { frames, rest: buf.subarray(at) };
}

/** One exchange: handshake, frames, sentinel; resolves with what the server said. */
function exchange(port: number, symbol: string, frames: FrameInput, sentinel: string): Promise<{ frames: ServerFrame[]; upgraded: boolean; timedOut: boolean; closed: boolean }> {
  return new Promise((resolve) => {
    const s: Socket = connect(port, '127.0.0.1');
    let buf: Buffer = Buffer.alloc(0);
    let upgraded = false;
    const got: ServerFrame[] = [];
    let finished = false;
    const finish = (timedOut: boolean, closed: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ frames: got, upgraded, timedOut, closed });
    };
    const timer = setTimeout(() => finish(true, false), TIMEOUT_MS);
    s.on('error', () => undefined);
    s.on('close', () => finish(false, true));
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!buf.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) return finish(false, true);
        upgraded = true;
        buf = buf.subarray(end + 4);
        s.write(Buffer.concat([...frames, textFrame(JSON.stringify({ op: 'unsubscribe', symbol: sentinel }))]));
      }
      const p = parseFrames(buf);
      buf = p.rest;
      got.push(...p.frames);
      if (p.frames.some((f) => f.opcode === 0x8 || (f.opcode === 0x1 && f.payload.includes(sentinel)))) finish(false, false);
    });
    s.write(
      `GET /ws/quotes/${symbol} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
    );
  });
}

function judgeFrame(f: ServerFrame, s: WsStats, fail: (why: string) => void): void {
  if (f.opcode === 0x8) {
    const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
    s.closes[code] = (s.closes[code] ?? 0) + 1;
    if (!(WS_CLOSE_CODES as readonly number[]).includes(code)) fail(`close code ${code} (${f.payload.subarray(2).toString('utf8')})`);
    return;
  }
  if (f.opcode === 0x9 || f.opcode === 0xa) return; // the server's heartbeat, or our ping's pong
  if (f.opcode !== 0x1) return fail(`server frame with opcode ${f.opcode}`);
  s.serverMessages += 1;
  let m: { type?: unknown; code?: unknown };
  try {
    m = JSON.parse(f.payload.toString('utf8')) as { type?: unknown; code?: unknown };
  } catch {
    return fail(`a server message that is not JSON: ${f.payload.toString('utf8').slice(0, 80)}`);
  }
  if (!(WS_MESSAGE_TYPES as readonly unknown[]).includes(m.type)) return fail(`a server message of type ${String(m.type)}`);
  if (m.type !== 'error') return;
  const code = String(m.code);
  s.codes[code] = (s.codes[code] ?? 0) + 1;
  if (!(WS_ERROR_CODES as readonly string[]).includes(code)) fail(`error code ${code}`);
}

export function generateFrameInputs(count: number, seed: number, maxMessageBytes: number): FrameInput[] {
  return fc.sample(frameInputs(maxMessageBytes), { numRuns: count, seed });
}

export async function runWsCampaign(o: { port: number; inputs: readonly FrameInput[]; concurrency: number; between?: () => Promise<void> }): Promise<WsStats> {
  const s: WsStats = { sent: 0, frames: 0, serverMessages: 0, closes: {}, codes: {}, failures: [] };
  let next = 0;
  const symbols = ['AAPL', 'MSFT', 'NVDA', 'AMD'];
  const worker = async () => {
    while (next < o.inputs.length) {
      const i = next++;
      const input = o.inputs[i] as FrameInput;
      const fail = (why: string) => {
        if (s.failures.length < 20) s.failures.push(`${why} for input #${i} (${input.length} frames)`);
      };
      const r = await exchange(o.port, symbols[i % symbols.length] as string, input, `SENTINEL${i}`);
      s.sent += 1;
      s.frames += input.length;
      if (!r.upgraded) fail('the upgrade was refused');
      if (r.timedOut) fail('neither an answer to the sentinel nor a close');
      if (r.upgraded && r.closed) fail('the connection closed without a close frame');
      for (const f of r.frames) judgeFrame(f, s, fail);
      if (s.sent % 1000 === 0) await o.between?.();
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return s;
}
