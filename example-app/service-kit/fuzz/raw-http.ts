/**
 * A raw HTTP/1.1 client for the fuzz suites: writes bytes exactly as generated over a TCP
 * socket and parses what comes back, so malformed requests reach the server unchanged
 * (fetch and undici would refuse or fix them first).
 */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** Parses every complete response in `buf`; `rest` is what remains (an incomplete response). */
export function parseResponses(buf: Buffer, headRequest = false): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const { status, headers } = parseHead(buf.subarray(at, end).toString('latin1'));
    const bodyAt = end + 4;
    const body = readBody(buf, bodyAt, headers, status, headRequest);
    if (!body) break;
    at = body.next;
    if (status >= 100 && status < 200 && status !== 101) continue; // interim (100 Continue)
    responses.push({ status, headers, body: body.bytes });
    // Nothing may follow a closing answer; what does (a body sent to a HEAD) is not another answer.
    if (headers['connection']?.toLowerCase() === 'close') return { responses, rest: Buffer.alloc(0) };
  }
  return { responses, rest: buf.subarray(at) };
}

function parseHead(text: string): { status: number; headers: Record<string, string> } {
  const lines = text.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
  if (!Number.isInteger(status)) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0])}`);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status, headers };
}

function readBody(buf: Buffer, from: number, headers: Record<string, string>, status: number, head: boolean): { bytes: Buffer; next: number } | null {
  if (head || status === 204 || status === 304 || (status >= 100 && status < 200)) return { bytes: Buffer.alloc(0), next: from };
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    let at = from;
    for (;;) {
      const eol = buf.indexOf('\r\n', at);
      if (eol < 0) return null;
      const size = parseInt(buf.subarray(at, eol).toString('latin1'), 16);
      if (size === 0) {
        const trailerEnd = buf.indexOf('\r\n', eol + 2);
        return trailerEnd < 0 ? null : { bytes: Buffer.concat(parts), next: trailerEnd + 2 };
      }
      if (buf.length < eol + 2 + size + 2) return null;
      parts.push(buf.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  }
  const length = Number(headers['content-length'] ?? 0);
  return buf.length < from + length ? null : { bytes: buf.subarray(from, from + length), next: from + length };
}

export interface Exchange {
  readonly responses: RawResponse[];
  readonly closed: boolean;
  readonly timedOut: boolean;
  /** Set when bytes came back that are not an HTTP response. */
  readonly garbage?: string;
  /** The socket's error (ECONNRESET, EPIPE, …), when it ended with one: tells a reset from a clean close. */
  readonly socketError?: string;
}

/** One keep-alive connection answering one request at a time. */
export class RawConnection {
  private readonly socket: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private closedFlag = false;
  private errorCode: string | undefined;
  private wake: (() => void) | undefined;
  readonly ready: Promise<void>;

  constructor(port: number, host = '127.0.0.1') {
    this.socket = connect(port, host);
    this.socket.setNoDelay(true);
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    // A reset is seen as a close; its code is kept for the report.
    this.socket.on('error', (e: NodeJS.ErrnoException) => (this.errorCode ??= e.code ?? e.message));
    this.socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake?.();
    });
    this.socket.on('close', () => {
      this.closedFlag = true;
      this.wake?.();
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Sends one request; resolves with its responses (one, unless the server closed) and whether the connection is still usable. */
  async exchange(bytes: Buffer, o: { expect: number; halfClose?: boolean; headRequest?: boolean; timeoutMs: number }): Promise<Exchange> {
    this.socket.write(bytes);
    if (o.halfClose) this.socket.end();
    const deadline = Date.now() + o.timeoutMs;
    const responses: RawResponse[] = [];
    for (;;) {
      let parsed: ReturnType<typeof parseResponses>;
      try {
        parsed = parseResponses(this.buf, o.headRequest);
      } catch (err) {
        return { responses, closed: true, timedOut: false, garbage: (err as Error).message };
      }
      responses.push(...parsed.responses);
      this.buf = parsed.rest;
      const done = o.halfClose ? this.closedFlag : responses.length >= o.expect || this.closedFlag;
      if (done) return { responses, closed: this.closedFlag || wantsClose(responses), timedOut: false, ...(this.errorCode ? { socketError: this.errorCode } : {}) };
      const left = deadline - Date.now();
      if (left <= 0) return { responses, closed: true, timedOut: true };
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const wantsClose = (rs: readonly RawResponse[]) => rs.some((r) => r.headers['connection']?.toLowerCase() === 'close');
