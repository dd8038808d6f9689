/**
 * The profile resource and the validation of everything a client sends: the id in the
 * path and the PUT body. Each refusal names what was wrong and what is accepted.
 */
import { HttpError } from '../service-kit/http.js';

export interface Profile {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly bio: string;
  /** Incremented by every update, so a reader can measure how stale a cached copy is. */
  readonly version: number;
  readonly updatedAt: string;
}

export interface ProfilePatch {
  readonly name?: string;
  readonly email?: string;
  readonly bio?: string;
}

/** Ids are PostgreSQL `integer` primary keys. */
export const MAX_USER_ID = 2_147_483_647;

/** Parses the `:id` path segment: a positive base-10 integer from 1 to MAX_USER_ID. */
export function parseUserId(raw: string): number {
  if (!/^[0-9]{1,10}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_USER_ID) {
    throw new HttpError(
      400,
      'invalid_id',
      `user id ${JSON.stringify(raw.slice(0, 40))} is not accepted; expected a positive integer from 1 to ${MAX_USER_ID}`,
    );
  }
  return Number(raw);
}

interface FieldRule {
  readonly max: number;
  readonly min: number;
  readonly pattern?: RegExp;
  readonly what: string;
}

const FIELDS: Readonly<Record<keyof ProfilePatch, FieldRule>> = {
  name: { min: 1, max: 100, what: 'a string of 1 to 100 characters' },
  email: { min: 3, max: 254, pattern: /^[^\s@]+@[^\s@]+$/, what: 'an e-mail address (x@y) of at most 254 characters' },
  bio: { min: 0, max: 1000, what: 'a string of at most 1000 characters' },
};
const FIELD_NAMES = Object.keys(FIELDS) as (keyof ProfilePatch)[];

const bad = (field: string, message: string) =>
  new HttpError(400, 'invalid_field', `field "${field}": ${message}`);

/** Validates a PUT body: an object with at least one of name, email, bio and nothing else. */
export function parseProfilePatch(body: unknown): ProfilePatch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_body', `the body must be a JSON object with any of ${FIELD_NAMES.join(', ')}`);
  }
  // Own keys only: `constructor` or `__proto__` would otherwise find Object.prototype's members.
  const patch: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [field, value] of Object.entries(body)) {
    const rule = Object.hasOwn(FIELDS, field) ? FIELDS[field as keyof ProfilePatch] : undefined;
    if (!rule) throw bad(field, `unknown field; accepted fields are ${FIELD_NAMES.join(', ')}`);
    if (typeof value !== 'string') throw bad(field, `expected ${rule.what}, got ${value === null ? 'null' : typeof value}`);
    if (value.length < rule.min || value.length > rule.max || (rule.pattern && !rule.pattern.test(value))) {
      throw bad(field, `expected ${rule.what}, got ${JSON.stringify(value.slice(0, 40))}${value.length > 40 ? '…' : ''}`);
    }
    patch[field] = value;
  }
  if (Object.keys(patch).length === 0) {
    throw new HttpError(400, 'invalid_body', `the body changes nothing; give at least one of ${FIELD_NAMES.join(', ')}`);
  }
  return { ...patch };
}
