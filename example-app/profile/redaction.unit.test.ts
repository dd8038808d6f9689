import { describe, expect, it } from 'vitest';
import { redactCredentials } from '../../lib/1-ground/errors.js';
import { refusal } from '../service-kit/refusal.test-helpers.js';
import { createLogger } from '../../lib/1-ground/log.js';
import { readConfig } from './config.js';
import { envUrl } from '../service-kit/env.js';

const SECRET = 's3cr3t-P@ss';

describe('credentials never appear in errors or logs', () => {
  it.each([
    ['redis://:s3cr3t-P@ss@127.0.0.1:6379', 'redis://***@127.0.0.1:6379'],
    ['postgres://app:s3cr3t-P@ss@db:5432/herdguard', 'postgres://***@db:5432/herdguard'],
    ['rediss://user:s3cr3t-P%40ss@redis:notaport', 'rediss://***@redis:notaport'],
    ['connect to redis://:s3cr3t-P@ss@h:1 failed', 'connect to redis://***@h:1 failed'],
    ['{"url":"redis://:s3cr3t\\"P@ss@h:1"}', '{"url":"redis://***@h:1"}'],
  ])('redacts the credentials of %s', (text, expected) => {
    expect(redactCredentials(text)).toBe(expected);
  });

  it('leaves a URL without credentials as it is', () => {
    expect(redactCredentials('http://127.0.0.1:8090/quote/AAPL')).toBe('http://127.0.0.1:8090/quote/AAPL');
  });

  it('refuses a REDIS_URL with a wrong scheme without echoing its password', () => {
    const e = refusal(() => envUrl({ REDIS_URL: `http://:${SECRET}@127.0.0.1:6379` }, 'REDIS_URL', ['redis', 'rediss']));
    expect(e.code).toBe('E_INVALID_OPTION');
    expect(e.message).toContain('got "http://***@127.0.0.1:6379"');
    expect(e.message).not.toContain('s3cr3t');
    expect(JSON.stringify(e.context)).not.toContain('s3cr3t');
  });

  it('refuses an unparseable DATABASE_URL without echoing its password', () => {
    const e = refusal(() => readConfig({ DATABASE_URL: `postgres://app:${SECRET}@db:port/x` }));
    expect(e.message).toContain('environment variable DATABASE_URL');
    expect(e.message).not.toContain('s3cr3t');
    expect(JSON.stringify(e.context)).not.toContain('s3cr3t');
  });

  it('writes log lines with the credentials of any URL field or error redacted', () => {
    const lines: string[] = [];
    const log = createLogger({}, { level: 'debug', write: (l) => lines.push(l) });
    const err = refusal(() => envUrl({ REDIS_URL: `ftp://u:${SECRET}@h` }, 'REDIS_URL', ['redis']));
    log.error('failed to start', { err, upstreamUrl: `https://vendor:${SECRET}@api.example.com/v1` });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('s3cr3t');
    expect(lines[0]).toContain('https://***@api.example.com/v1');
  });
});
