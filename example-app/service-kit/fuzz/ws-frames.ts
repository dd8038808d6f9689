/**
 * fast-check generators of WebSocket client frames (RFC 6455 §5.2), built byte by byte so
 * that invalid ones reach the server: binary, oversized, invalid UTF-8, fragmented (in and
 * out of order), bad control frames, unmasked or reserved-bit frames, and storms of
 * subscribe/unsubscribe messages.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';

export interface FrameOptions {
  readonly fin?: boolean;
  readonly mask?: boolean;
  readonly rsv?: number;
}

export function frame(opcode: number, payload: Buffer, o: FrameOptions = {}): Buffer {
  const mask = o.mask ?? true;
  const len = payload.length;
  const lenBytes = len < 126 ? 0 : len < 65_536 ? 2 : 8;
  const head = Buffer.alloc(2 + lenBytes + (mask ? 4 : 0));
  head[0] = ((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | (opcode & 0x0f);
  head[1] = (mask ? 0x80 : 0) | ({ 0: len, 2: 126, 8: 127 } as const)[lenBytes];
  if (lenBytes === 2) head.writeUInt16BE(len, 2);
  if (lenBytes === 8) head.writeBigUInt64BE(BigInt(len), 2);
  return mask ? masked(head, payload, lenBytes) : Buffer.concat([head, payload]);
}

function masked(head: Buffer, payload: Buffer, lenBytes: number): Buffer {
  const key = randomBytes(4);
  key.copy(head, 2 + lenBytes);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = (body[i] as number) ^ (key[i % 4] as number);
  return Buffer.concat([head, body]);
}

const text = (s: string, o?: FrameOptions) => frame(0x1, Buffer.from(s, 'utf8'), o);

const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMD', 'TSLA', 'ZZZZZZ', 'bad symbol', '', 'A'.repeat(40), '__proto__'];
const op = fc.constantFrom('subscribe', 'unsubscribe', 'ping', 'drop_tables', '__proto__');
const message = fc.oneof(
  fc.tuple(op, fc.constantFrom(...SYMBOLS)).map(([o, s]) => JSON.stringify({ op: o, symbol: s })),
  fc.json({ maxDepth: 3 }),
  fc.constantFrom('not json', '{', '[]', 'null', '{"op":null}', '{"op":"subscribe","symbol":5}', '{"op":"subscribe","__proto__":{"symbol":"AAPL"}}', '{"constructor":{"prototype":{"op":"ping"}}}'),
);
const INVALID_UTF8 = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0x7b, 0xc0, 0xaf, 0x7d]];

/** One generated exchange: the frames, written in one go after the handshake. */
export type FrameInput = readonly Buffer[];

export function frameInputs(maxMessageBytes: number): fc.Arbitrary<FrameInput> {
  const one = fc.oneof(
    { weight: 5, arbitrary: message.map((m) => [text(m)]) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => [frame(0x2, Buffer.from(b))]) },
    { weight: 2, arbitrary: fc.constantFrom(...INVALID_UTF8).map((b) => [frame(0x1, Buffer.from(b))]) },
    { weight: 1, arbitrary: fc.integer({ min: maxMessageBytes + 1, max: maxMessageBytes * 20 }).map((n) => [text(`{"op":"ping","pad":"${'x'.repeat(n)}"}`)]) },
    {
      weight: 3,
      arbitrary: fc.tuple(message, fc.integer({ min: 2, max: 4 }), fc.constantFrom('ordered', 'noStart', 'interrupted', 'pingInside', 'unfinished')).map(([m, parts, how]) => fragments(m, parts, how)),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        [frame(0x9, Buffer.from('hi'))],
        [frame(0xa, Buffer.from('unsolicited'))],
        [frame(0x9, Buffer.alloc(126, 1))],
        [frame(0x9, Buffer.from('x'), { fin: false })],
        [text('{"op":"ping"}', { mask: false })],
        [text('{"op":"ping"}', { rsv: 4 })],
        [frame(0x3, Buffer.from('reserved'))],
        [frame(0xb, Buffer.from('reserved'))],
        [frame(0x8, Buffer.from([0x03, 0xe7]))],
        [frame(0x8, Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from([0xff])]))],
        [frame(0x8, Buffer.from([0x03]))],
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 30, max: 200 }).map((n) => storm(n)) },
  );
  return fc.array(one, { minLength: 1, maxLength: 4 }).map((groups) => groups.flat());
}

function fragments(m: string, parts: number, how: string): Buffer[] {
  const b = Buffer.from(m, 'utf8');
  const size = Math.max(1, Math.ceil(b.length / parts));
  const pieces = Array.from({ length: parts }, (_, i) => b.subarray(i * size, (i + 1) * size));
  const out = pieces.map((p, i) => frame(i === 0 && how !== 'noStart' ? 0x1 : 0x0, p, { fin: i === parts - 1 && how !== 'unfinished' }));
  if (how === 'interrupted') out.splice(1, 0, text('{"op":"ping"}'));
  if (how === 'pingInside') out.splice(1, 0, frame(0x9, Buffer.from('in between')));
  return out;
}

/** Subscribe/unsubscribe pairs as fast as the socket takes them. */
function storm(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => text(JSON.stringify({ op: i % 2 ? 'unsubscribe' : 'subscribe', symbol: SYMBOLS[i % 5] })));
}

export { text as textFrame };
