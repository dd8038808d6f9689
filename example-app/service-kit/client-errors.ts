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
  headersTooLarge: 'headers_too_large',
  requestTimeout: 'request_timeout',
} as const;

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 417: 'Expectation Failed', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

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

/**
 * Answers parser errors as JSON. `inFlight` maps a socket to the response of the request
 * still being read or answered on it: if that response has started, the client already has
 * its answer and the socket is just closed; if not, the error is answered through that
 * response. Either way one request gets one answer.
 */
export function answerClientErrors(server: Server, inFlight: WeakMap<Socket, ServerResponse>): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const res = inFlight.get(socket);
    if (err.code === 'ECONNRESET' || !socket.writable || res?.headersSent) {
      socket.destroy();
      return;
    }
    const e = toClientError(err);
    if (res) {
      sendError(res, new HttpError(e.status, e.code, e.message, { connection: 'close' }));
      return;
    }
    socket.end(rawResponse(e));
  });
  // Node's default answer to an Expect other than 100-continue has no body.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const shown = JSON.stringify(String(req.headers.expect).slice(0, 40));
    sendError(res, new HttpError(417, CLIENT_ERROR_CODES.expectationFailed, `expectation ${shown} is not supported; only 100-continue is`));
  });
}
