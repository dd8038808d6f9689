/**
 * "Not found" has one form inside the cache: a negative envelope (`nf: 1`). NOT_FOUND is how
 * a factory says it (turned into that envelope in origin.ts), NotFoundError how a caller
 * hears it (only here).
 */
import { NotFoundError } from '../../1-ground/errors.js';
import type { Envelope } from './envelope.js';

/** What a factory returns when the key does not exist at the origin; cached negatively for negativeTTL. */
export const NOT_FOUND: unique symbol = Symbol.for('herdguard.NOT_FOUND');
export type NotFound = typeof NOT_FOUND;

/** The caller's value of an envelope; throws NotFoundError for a negative one. */
export function valueOf(env: Envelope, key: string): unknown {
  if (env.nf) throw new NotFoundError(key);
  return env.v;
}

/** valueOf as a settled promise, for the L1 hit (no async frame). */
export function settled(env: Envelope, key: string): Promise<unknown> {
  return env.nf ? Promise.reject(new NotFoundError(key)) : Promise.resolve(env.v);
}
