import { describe, expect, it } from 'vitest';
import { HttpError } from '../service-kit/http.js';
import { parseProfilePatch, parseUserId } from './model.js';

function refusal(fn: () => unknown): HttpError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('user id validation', () => {
  it.each(['1', '42', '2147483647'])('accepts %s', (raw) => {
    expect(parseUserId(raw)).toBe(Number(raw));
  });

  it.each(['0', '-1', '1.5', 'abc', '', '2147483648', '99999999999999999999', '1e3', ' 1', '0x10'])(
    'refuses %j with 400 saying what is accepted',
    (raw) => {
      const e = refusal(() => parseUserId(raw));
      expect(e.status).toBe(400);
      expect(e.code).toBe('invalid_id');
      expect(e.message).toContain('expected a positive integer from 1 to 2147483647');
    },
  );
});

describe('profile patch validation', () => {
  it('accepts any subset of name, email and bio', () => {
    expect(parseProfilePatch({ name: 'Ada', bio: '' })).toEqual({ name: 'Ada', bio: '' });
  });

  it.each([
    [{ name: 5 }, 'field "name": expected a string of 1 to 100 characters, got number'],
    [{ name: '' }, 'field "name"'],
    [{ email: 'not-an-address' }, 'field "email": expected an e-mail address'],
    [{ bio: 'x'.repeat(1001) }, 'field "bio": expected a string of at most 1000 characters'],
    [{ nick: 'x' }, 'field "nick": unknown field; accepted fields are name, email, bio'],
    [{ email: null }, 'field "email": expected an e-mail address (x@y) of at most 254 characters, got null'],
  ])('refuses %j naming the field at fault', (body, message) => {
    const e = refusal(() => parseProfilePatch(body));
    expect(e.status).toBe(400);
    expect(e.message).toContain(message);
  });

  it.each(['{"constructor":"x"}', '{"__proto__":"x"}', '{"__proto__":{"name":"x"}}', '{"toString":"x"}', '{"hasOwnProperty":"x"}', '{"name":"Ada","constructor":"x"}'])(
    'refuses the prototype key in %s as an unknown field, as it arrives from JSON.parse',
    (text) => {
      const e = refusal(() => parseProfilePatch(JSON.parse(text)));
      expect(e.status).toBe(400);
      expect(e.code).toBe('invalid_field');
      expect(e.message).toContain('unknown field; accepted fields are name, email, bio');
    },
  );

  it.each([[[]], ['text'], [null], [{}]])('refuses the body %j, which is not a patch', (body) => {
    const e = refusal(() => parseProfilePatch(body));
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/name, email, bio/);
  });
});
