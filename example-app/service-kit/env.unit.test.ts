import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../lib/1-ground/errors.js';
import { refusal } from './refusal.test-helpers.js';
import { envRedisUrl } from './env.js';

const NASTY = 's3rv!ces@/#%41:?&pw "\' $HOME';

/** The user and password ioredis takes from a URL (it decodes them), without connecting. */
function credentialsOf(url: string): { username?: string; password?: string } {
  const c = new Redis(url, { lazyConnect: true });
  const { username, password } = c.options;
  c.disconnect();
  return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

describe('envRedisUrl: REDIS_URL with the ACL user the chart passes apart', () => {
  it('carries a password with URL delimiters to ioredis unchanged', () => {
    const url = envRedisUrl({ REDIS_URL: 'redis://redis-primary.shop.svc:6379', REDIS_USERNAME: 'hg-services', REDIS_PASSWORD: NASTY });
    expect(credentialsOf(url)).toEqual({ username: 'hg-services', password: NASTY });
    expect(new URL(url).host).toBe('redis-primary.shop.svc:6379');
    expect(redactCredentials(url)).toBe('redis://***@redis-primary.shop.svc:6379');
  });

  it('replaces credentials the URL carries, and leaves a URL alone when none are set', () => {
    expect(credentialsOf(envRedisUrl({ REDIS_URL: 'redis://:old@h:1', REDIS_PASSWORD: 'new' }))).toEqual({ password: 'new' });
    expect(envRedisUrl({ REDIS_URL: 'redis://:inline@h:1' })).toBe('redis://:inline@h:1');
    expect(envRedisUrl({})).toBe('redis://127.0.0.1:6379');
  });

  it.each([
    ['a trailing newline', { REDIS_PASSWORD: 'secret-pw\n' }, 'REDIS_PASSWORD'],
    ['a lone surrogate', { REDIS_PASSWORD: 'secret-pw\ud800' }, 'REDIS_PASSWORD'],
    ['an empty Secret key', { REDIS_PASSWORD: '' }, 'REDIS_PASSWORD'],
    ['a control character in the user', { REDIS_USERNAME: 'secret-pw\r', REDIS_PASSWORD: 'x' }, 'REDIS_USERNAME'],
  ])('refuses %s, naming the variable and never showing the value', (_what, env, name) => {
    const e = refusal(() => envRedisUrl({ REDIS_URL: 'redis://h:1', ...env }));
    expect(e.code).toBe('E_INVALID_OPTION');
    expect(e.message).toContain(`environment variable ${name}`);
    expect(e.message).not.toContain('secret-pw');
    expect(JSON.stringify(e.context)).not.toContain('secret-pw');
  });
});
