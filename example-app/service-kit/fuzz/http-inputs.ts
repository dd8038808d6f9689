/**
 * fast-check generators of HTTP/1.1 requests as raw bytes. Two families:
 * - framed: one request whose framing (Content-Length or valid chunked) is exact, whatever
 *   its method, target, headers and body; it expects exactly one answer, so a keep-alive
 *   connection can carry the next one;
 * - raw: a framed request broken on purpose (truncated, junk inserted, bare LF, duplicate or
 *   conflicting lengths, broken chunked encoding) or random bytes; sent on its own connection,
 *   which the client half-closes.
 */
import fc from 'fast-check';

export interface HttpInput {
  readonly family: 'framed' | 'raw';
  readonly bytes: Buffer;
  readonly head: boolean;
}

/** What the generators know of a service: its routes and a few valid bodies. */
export interface ServiceShape {
  readonly paths: readonly string[];
  readonly bodies: readonly string[];
}

const NASTY_TARGETS = [
  '//', '///', '//x/users/1', '//evil.example', '%zz', '/%zz', '/%00', '/users/%zz', '/users/%00', '/..', '/../../etc/passwd',
  '/./healthz', '/healthz/..', '*', 'http://evil.example/healthz', 'https://x/users/1', 'http://[::1', 'http:', '/users/1?%zz=%00',
  '/healthz#frag', '/\\evil', '/%2e%2e/%2e%2e', '/users/-1', '/users/1e3', '/users/99999999999999999999', '/quotes/%E2%82%AC',
  '/users/__proto__', '/users/constructor', '/quote/__proto__', '/ws/quotes/AAPL', '/ws/quotes/%zz', '/ws/quotes/', '/metrics?x=1',
];
const SEGMENTS = ['users', 'quotes', 'quote', 'ws', 'healthz', 'readyz', 'stats', 'symbols', '..', '.', '%2e%2e', '%2F', '%00', '%zz', '%E2%82%AC', '__proto__', 'constructor', 'AAPL', '1'];

const segment = fc.oneof(fc.constantFrom(...SEGMENTS), fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@-]{0,12}$/), fc.integer().map(String));
const query = fc.option(fc.stringMatching(/^[A-Za-z0-9=&%._~-]{0,40}$/), { nil: undefined });

function targets(shape: ServiceShape): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...shape.paths) },
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_TARGETS) },
    { weight: 3, arbitrary: fc.tuple(fc.array(segment, { maxLength: 5 }), query).map(([s, q]) => `/${s.join('/')}${q === undefined ? '' : `?${q}`}`) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((n) => `/users/${'9'.repeat(n)}`) },
  );
}

const METHODS = ['GET', 'GET', 'GET', 'PUT', 'PUT', 'POST', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'PROPFIND', 'get'];
const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain', 'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x', 'application/json-patch+json', 'application/jsonx', '', ';;;', 'application/json; charset=utf-16', '*/*',
];
const HEADER_VALUES = ['', 'x', 'close', 'keep-alive', 'Upgrade', 'websocket', 'h2c', '100-continue', 'banana', '13', '8', 'dGhlIHNhbXBsZSBub25jZQ==', 'bad==', 'chat, superchat', 'a,,b', '*/*', 'gzip', '127.0.0.1'];
const HEADER_NAMES = ['X-Fuzz', 'Accept', 'User-Agent', 'Cookie', 'X-Forwarded-For', 'Host', 'Connection', 'Upgrade', 'Expect', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'Sec-WebSocket-Protocol', 'Origin', 'Accept-Encoding'];

const headerValue = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...HEADER_VALUES) },
  { weight: 4, arbitrary: fc.stringMatching(/^[\x20-\x7e]{0,64}$/).map((v) => v.trim()) },
  { weight: 1, arbitrary: fc.integer({ min: 4000, max: 20_000 }).map((n) => 'v'.repeat(n)) },
);
const header = fc.tuple(fc.oneof(fc.constantFrom(...HEADER_NAMES), fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/)), headerValue);
const headers = fc.oneof(
  { weight: 9, arbitrary: fc.array(header, { maxLength: 8 }) },
  { weight: 1, arbitrary: fc.integer({ min: 90, max: 300 }).map((n) => Array.from({ length: n }, (_, i): [string, string] => [`X-Many-${i}`, 'v'])) },
);

const nest = (n: number, open: string, close: string, leaf: string) => open.repeat(n) + leaf + close.repeat(n);

function bodies(shape: ServiceShape): fc.Arbitrary<string | Buffer> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant('') },
    { weight: 3, arbitrary: fc.constantFrom(...shape.bodies) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 2, arbitrary: fc.constantFrom('{', '{"name":', 'nul', '{"name":"x",}', "{'name':'x'}", '\uFEFF{"name":"x"}', '{"name":"\\ud800"}', '1e999', '"str"') },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.integer({ min: 10, max: 4000 }).map((n) => nest(n, '[', ']', '')),
        fc.integer({ min: 10, max: 1500 }).map((n) => nest(n, '{"a":', '}', '1')),
        fc.integer({ min: 5000, max: 200_000 }).map((n) => nest(n, '[', ']', '')),
      ),
    },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '{"__proto__":{"name":"x"}}', '{"constructor":"x"}', '{"constructor":{"prototype":{"polluted":1}}}', '{"name":"Ada","__proto__":"x"}',
        '{"__proto__":null}', '{"toString":"x"}', '{"hasOwnProperty":"x"}', '{"op":"subscribe","__proto__":{"symbol":"AAPL"}}',
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 8 * 1024, max: 64 * 1024 }).map((n) => `{"bio":"${'x'.repeat(n)}"}`) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)) },
  );
}

function chunked(body: Buffer, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) {
    const c = body.subarray(i, i + size);
    parts.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

interface Framed {
  readonly method: string;
  readonly bytes: Buffer;
  readonly body: Buffer;
}

function framed(shape: ServiceShape): fc.Arbitrary<Framed> {
  return fc
    .record({
      method: fc.constantFrom(...METHODS),
      target: targets(shape),
      version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0'),
      host: fc.constantFrom(0, 1, 1, 1, 1, 2),
      contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
      headers,
      body: bodies(shape),
      encoding: fc.constantFrom('length', 'length', 'chunked', 'none'),
      chunkSize: fc.integer({ min: 1, max: 64 }),
    })
    .map((r) => {
      const body = Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
      const lines = [`${r.method} ${r.target} ${r.version}`];
      for (let i = 0; i < r.host; i++) lines.push(`Host: ${i ? 'second.example' : '127.0.0.1'}`);
      if (r.contentType !== undefined) lines.push(`Content-Type: ${r.contentType}`);
      // Framing headers are written once and only here, so the framing is exact.
      for (const [n, v] of r.headers) if (!/^(content-length|transfer-encoding)$/i.test(n)) lines.push(`${n}: ${v}`);
      let payload: Buffer = Buffer.alloc(0);
      if (r.encoding === 'length') {
        lines.push(`Content-Length: ${body.length}`);
        payload = body;
      } else if (r.encoding === 'chunked' && r.version === 'HTTP/1.1') {
        lines.push('Transfer-Encoding: chunked');
        payload = chunked(body, r.chunkSize);
      }
      return { method: r.method, bytes: Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]), body };
    });
}

const MUTATIONS = ['truncate', 'insert', 'bareLf', 'dupLength', 'lengthAndChunked', 'brokenChunk', 'badRequestLine', 'longerLength', 'random', 'pipelined'] as const;

function mutate(f: Framed, how: (typeof MUTATIONS)[number], at: number, junk: Buffer, next: Framed): Buffer {
  const b = f.bytes;
  const head = b.subarray(0, b.indexOf('\r\n\r\n') + 2);
  const pos = Math.floor(at * b.length);
  switch (how) {
    case 'truncate':
      return b.subarray(0, Math.max(1, pos));
    case 'insert':
      return Buffer.concat([b.subarray(0, pos), junk, b.subarray(pos)]);
    case 'bareLf':
      return Buffer.from(b.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    case 'dupLength':
      return Buffer.concat([head, Buffer.from(`Content-Length: ${f.body.length}\r\nContent-Length: ${f.body.length + 1}\r\n\r\n`), f.body]);
    case 'lengthAndChunked':
      return Buffer.concat([head, Buffer.from(`Content-Length: ${f.body.length}\r\nTransfer-Encoding: chunked\r\n\r\n`), f.body]);
    case 'brokenChunk': {
      const broken = ['zz\r\n', `${(f.body.length + 5).toString(16)}\r\n${f.body.toString('latin1')}\r\n0\r\n\r\n`, '5\r\nab\r\n', 'ffffffffffffffffff\r\n', '5;ext="\r\nhello\r\n0\r\n\r\n', `${f.body.length.toString(16)}\r\n`];
      return Buffer.concat([head, Buffer.from(`Transfer-Encoding: chunked\r\n\r\n${broken[Math.floor(at * broken.length)]}`, 'latin1')]);
    }
    case 'badRequestLine': {
      const lines = ['G@T / HTTP/1.1', 'GET /a b HTTP/1.1', 'GET /\x00 HTTP/1.1', 'GET / HTTP/9.9', 'GET / HTTP/1.1x', 'GET /', ' GET / HTTP/1.1', 'GET\t/ HTTP/1.1', `${'A'.repeat(200)} / HTTP/1.1`];
      return Buffer.concat([Buffer.from(`${lines[Math.floor(at * lines.length)]}\r\nHost: x\r\n\r\n`, 'latin1'), junk]);
    }
    case 'longerLength':
      return Buffer.concat([head, Buffer.from(`Content-Length: ${f.body.length + 10}\r\n\r\n`), f.body]);
    case 'random':
      return junk.length ? junk : Buffer.from([0]);
    case 'pipelined':
      return Buffer.concat([b, next.bytes, junk]);
  }
}

/** The generator of one service's inputs: mostly framed requests, a quarter broken ones. */
export function httpInputs(shape: ServiceShape): fc.Arbitrary<HttpInput> {
  const f = framed(shape);
  // A HEAD's answer has no body: inside broken bytes it could not be told apart.
  const notHead = f.filter((x) => x.method !== 'HEAD');
  const raw = fc
    .tuple(notHead, fc.constantFrom(...MUTATIONS), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.uint8Array({ minLength: 1, maxLength: 200 }), notHead)
    .map(([base, how, at, junk, next]): HttpInput => ({ family: 'raw', bytes: mutate(base, how, at, Buffer.from(junk), next), head: false }));
  return fc.oneof(
    { weight: 3, arbitrary: f.map((x): HttpInput => ({ family: 'framed', bytes: x.bytes, head: x.method === 'HEAD' })) },
    { weight: 1, arbitrary: raw },
  );
}
