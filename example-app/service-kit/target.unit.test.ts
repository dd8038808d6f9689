import { describe, expect, it } from 'vitest';
import { HttpError } from './http.js';
import { parseRequestTarget } from './target.js';

describe('request target parsing', () => {
  it.each([
    ['/users/1', '/users/1', ''],
    ['/users/1?x=%zz', '/users/1', '?x=%zz'],
    ['/a/../users/1', '/users/1', ''],
    ['/%00', '/%00', ''],
    ['/%zz', '/%zz', ''],
    ['/..', '/', ''],
    ['/\\evil.com/x', '//evil.com/x', ''],
    ['http://other.host/users/2?a=1', '/users/2', '?a=1'],
  ])('reads %j as the path %j on this service', (raw, pathname, search) => {
    const u = parseRequestTarget(raw);
    expect([u.host, u.pathname, u.search]).toEqual(['service.local', pathname, search]);
  });

  it.each(['//', '///', '//evil.com/users/1', '*', '%zz', '', 'users/1', 'http://[::1', 'http:', 'ftp://x/y'])(
    'refuses %j with 400 invalid_url instead of throwing a TypeError',
    (raw) => {
      let caught: unknown;
      try {
        parseRequestTarget(raw);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(HttpError);
      expect(caught).toMatchObject({ status: 400, code: 'invalid_url' });
    },
  );
});
