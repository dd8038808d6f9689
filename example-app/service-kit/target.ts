/**
 * The request target (RFC 9112 §3.2) parsed without ever throwing: `new URL(req.url, base)`
 * throws on `//` and reads `//host/path` as another host, so one request line could end the
 * process or route by a client-chosen authority. Origin-form is parsed against a fixed base;
 * a path starting with `//` is refused, since URL parsers and proxies read it as an authority;
 * absolute-form is accepted (its authority ignored); anything else is a 400 `invalid_url`.
 */
import { HttpError } from './http.js';

const BASE = 'http://service.local';
const ABSOLUTE = /^https?:\/\//i;

export const INVALID_URL = 'invalid_url';

function refuse(raw: string, why: string): HttpError {
  const shown = JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw);
  return new HttpError(400, INVALID_URL, `request target ${shown} is not accepted: ${why}; expected a path such as /users/1`);
}

/** The URL of a request target, or an HttpError(400, 'invalid_url'). */
export function parseRequestTarget(raw: string | undefined): URL {
  const target = raw ?? '';
  let url: URL;
  try {
    if (target.startsWith('//')) {
      throw refuse(target, 'a path starting with // reads as a host name');
    } else if (target.startsWith('/')) {
      // Concatenation against the base: a `\\` or `..` can never leave service.local.
      url = new URL(BASE + target);
    } else if (ABSOLUTE.test(target)) {
      const abs = new URL(target);
      url = new URL(BASE + abs.pathname + abs.search);
    } else {
      throw refuse(target, target === '*' ? 'asterisk-form is not served' : 'not a path or an absolute http URL');
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw refuse(target, 'it is not a valid URL');
  }
  if (url.host !== 'service.local') throw refuse(target, 'it names another authority');
  return url;
}
