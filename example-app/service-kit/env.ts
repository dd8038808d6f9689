/**
 * Reading configuration from the environment with errors that name the variable,
 * what it held and what is accepted.
 */
import { InvalidOptionError } from '../../lib/1-ground/errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

export function envString(env: Env, name: string, fallback?: string): string {
  const v = env[name];
  if (v !== undefined && v !== '') return v;
  if (fallback !== undefined) return fallback;
  throw new InvalidOptionError(`environment variable ${name}`, 'set (non-empty)', v ?? null);
}

export function envInt(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InvalidOptionError(`environment variable ${name}`, `an integer from ${min} to ${max}`, v);
  }
  return n;
}

export function envUrl(env: Env, name: string, protocols: readonly string[], fallback?: string): string {
  const v = envString(env, name, fallback);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new InvalidOptionError(`environment variable ${name}`, `a URL (${protocols.join(' or ')})`, v);
  }
  if (!protocols.includes(u.protocol.replace(/:$/, ''))) {
    throw new InvalidOptionError(`environment variable ${name}`, `a URL with scheme ${protocols.join(' or ')}`, v);
  }
  return v;
}

/**
 * REDIS_URL with REDIS_USERNAME and REDIS_PASSWORD put into it percent-encoded, in memory
 * only. The chart passes them apart (an ACL user per role), since a password pasted into a
 * URL unencoded breaks it at `@`, `/`, `#` or `%`. They replace any credentials the URL
 * carries. The result holds the password: log it only through redactCredentials (the
 * logger and InvalidOptionError do).
 */
export function envRedisUrl(env: Env, fallback = 'redis://127.0.0.1:6379'): string {
  const url = new URL(envUrl(env, 'REDIS_URL', ['redis', 'rediss'], fallback));
  const username = env['REDIS_USERNAME'];
  const password = env['REDIS_PASSWORD'];
  if (username !== undefined && username !== '') url.username = encodeStrictly(checkedSecret('REDIS_USERNAME', username));
  if (password !== undefined) {
    if (password === '') throw new InvalidOptionError('environment variable REDIS_PASSWORD', 'unset or a password', '(empty: an empty Secret key?)');
    url.password = encodeStrictly(checkedSecret('REDIS_PASSWORD', password));
  }
  return url.toString();
}

/** encodeURIComponent plus `!'()*`: a `'` left as it is would end the URL for redactCredentials. */
const encodeStrictly = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** A credential from the environment; refused without echoing it when a control character (a newline from `echo`) or a lone surrogate would garble it. */
function checkedSecret(name: string, value: string): string {
  const bad = [...value].findIndex((ch) => {
    const c = ch.codePointAt(0) ?? 0;
    return c < 0x20 || c === 0x7f || (c >= 0xd800 && c <= 0xdfff);
  });
  if (bad >= 0) {
    throw new InvalidOptionError(`environment variable ${name}`, 'free of control characters', `(withheld: a control character at index ${bad})`);
  }
  return value;
}
