/**
 * Reading configuration from the environment with errors that name the variable,
 * what it held and what is accepted.
 */
import { InvalidOptionError } from '../cache/errors.js';

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
