/**
 * What a client gets when Node's HTTP parser refuses its bytes (bad request line, bad
 * header, broken chunked body, oversized head, timeout): the services' usual JSON error
 * with a stable code, then the connection closes, since the parser cannot resync on it.
 * Node's default answers a bare "400 Bad Request" with no body.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { HttpError, sendError } from './http.js';

/** Codes a refused request can carry; clients branch on them. */
export const CLIENT_ERROR_CODES = {
  badRequest: 'bad_request',
  invalidUrl: 'invalid_url',
  expectationFailed: 'expectation_failed',
  methodNotAllowed: 'method_not_allowed',
  missingHost: 'missing_host',
  headersTooLarge: 'headers_too_large',
  requestTimeout: 'request_timeout',
} as const;

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 405: 'Method Not Allowed', 417: 'Expectation Failed', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

export function toClientError(err: NodeJS.ErrnoException): HttpError {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return new HttpError(431, CLIENT_ERROR_CODES.headersTooLarge, 'the request head exceeds the header size limit');
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'HPE_HEADERS_TIMEOUT') {
    return new HttpError(408, CLIENT_ERROR_CODES.requestTimeout, 'the request did not arrive within the server timeout');
  }
  if (err.code === 'HPE_INVALID_URL') {
    return new HttpError(400, CLIENT_ERROR_CODES.invalidUrl, 'the request target is not a valid URL; expected a path such as /users/1');
  }
  // The parser's own code (HPE_INVALID_METHOD, …) is stable and tells the client what broke.
  return new HttpError(400, CLIENT_ERROR_CODES.badRequest, `the request could not be parsed (${err.code ?? 'unknown'})`);
}

function rawResponse(e: HttpError): string {
  const body = JSON.stringify({ error: { code: e.code, message: e.message } });
  return (
    `HTTP/1.1 ${e.status} ${STATUS_TEXT[e.status] ?? 'Error'}\r\ncontent-type: application/json; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}

/** How long a refused connection may keep sending after its answer before it is cut. */
export const LINGER_AFTER_ANSWER_MS = 5000;

/** The request a socket carries now and its response. */
export interface InFlight {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

/**
 * Answers parser errors as JSON, one answer per request:
 * - bytes at fault inside the current request's body: answered through its response, unless
 *   that has started (the request has its answer; the socket is just closed);
 * - bytes at fault in a later request: answered once the current response is written.
 */
export function answerClientErrors(server: Server, inFlight: WeakMap<Socket, InFlight>): void {
  // Node's parser stays in its error state and reports the error again for every later chunk
  // of the same bytes (an oversized head arrives in several): the first report is answered,
  // the rest are dropped. Destroying on a repeat closed the socket with the client's unread
  // bytes still queued, and the kernel's reset then discarded the answer before it was read.
  const answered = new WeakSet<Socket>();
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (answered.has(socket)) return;
    answered.add(socket);
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const e = toClientError(err);
    // Read and drop whatever else the client sends: closing with unread bytes makes the kernel
    // answer with a reset, and a reset can discard our answer before the client reads it.
    // A client that never stops sending is cut off after the linger.
    socket.resume();
    socket.setTimeout(LINGER_AFTER_ANSWER_MS, () => socket.destroy());
    const cur = inFlight.get(socket);
    if (cur && !cur.req.complete) {
      if (cur.res.headersSent) socket.destroy();
      else sendError(cur.res, new HttpError(e.status, e.code, e.message, { connection: 'close' }));
      return;
    }
    if (cur && !cur.res.writableEnded) {
      cur.res.once('finish', () => socket.end(rawResponse(e)));
      return;
    }
    socket.end(rawResponse(e));
  });
  // Without a listener Node closes a CONNECT silently; no service here is a proxy.
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(rawResponse(new HttpError(405, CLIENT_ERROR_CODES.methodNotAllowed, 'CONNECT is not served: this is not a proxy')));
  });
  // Node's default answer to an Expect other than 100-continue has no body.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const shown = JSON.stringify(String(req.headers.expect).slice(0, 40));
    sendError(res, new HttpError(417, CLIENT_ERROR_CODES.expectationFailed, `expectation ${shown} is not supported; only 100-continue is`));
  });
}
