/**
 * The small HTTP layer both example services share: a route table with `:param`
 * segments, JSON replies, bounded body reading and one error type that becomes a
 * JSON error body naming what was wrong and what is accepted.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly url: URL;
}

export type Handler = (ctx: RouteContext) => Promise<void> | void;

export interface Route {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** e.g. "/users/:id"; also the bounded `route` label of the HTTP metrics. */
  readonly path: string;
  readonly handler: Handler;
}

interface Compiled extends Route {
  readonly parts: readonly string[];
}

export interface Match {
  readonly route: Route;
  readonly params: Record<string, string>;
}

export class Router {
  private readonly routes: Compiled[] = [];

  add(route: Route): this {
    this.routes.push({ ...route, parts: route.path.split('/').filter(Boolean) });
    return this;
  }

  /** The matching route, or a 404/405 HttpError (405 lists the methods allowed). */
  match(method: string, pathname: string): Match {
    const segs = pathname.split('/').filter(Boolean);
    const allowed: string[] = [];
    for (const r of this.routes) {
      const params = matchParts(r.parts, segs);
      if (!params) continue;
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { route: r, params };
      allowed.push(r.method);
    }
    if (allowed.length) {
      throw new HttpError(405, 'method_not_allowed', `${method} is not allowed here; use ${allowed.join(', ')}`, {
        allow: allowed.join(', '),
      });
    }
    throw new HttpError(404, 'no_such_route', `no route for ${method} ${pathname}`);
  }
}

function matchParts(parts: readonly string[], segs: readonly string[]): Record<string, string> | null {
  if (parts.length !== segs.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    const s = segs[i] as string;
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(s);
      } catch {
        return null; // malformed percent-encoding: not this route
      }
    } else if (p !== s) return null;
  }
  return params;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
}

/**
 * A refusal before the body was read: the connection closes after the answer, so the rest
 * of the body is never read (Node would otherwise read and drop it, however long it is,
 * and a body read broken off leaves the socket paused until a timeout).
 */
const CLOSE = { connection: 'close' };

/** Reads a JSON body of at most `limitBytes`; 415 for another type, 413 when larger, 400 when not JSON. */
export async function readJsonBody(req: IncomingMessage, limitBytes = 16 * 1024): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  // `application/json` with parameters only: not `application/json-patch+json` or `application/jsonx`.
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', `expected content-type application/json, got "${type.slice(0, 80)}"`, CLOSE);
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limitBytes) {
    throw new HttpError(413, 'body_too_large', `body of ${declared} bytes exceeds the ${limitBytes}-byte limit`, CLOSE);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limitBytes) {
        throw new HttpError(413, 'body_too_large', `body exceeds the ${limitBytes}-byte limit`, CLOSE);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    // The client broke the body (bad chunked framing, reset): its fault, not a 500.
    throw new HttpError(400, 'body_incomplete', 'the request body ended before it was complete', CLOSE);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_json', 'the body is not valid JSON');
  }
}
