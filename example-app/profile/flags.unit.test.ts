import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from '../../lib/3-policy/load.js';
import { defaultPolicy } from './default-policy.js';
import { CliFlagError, parseFlags } from './flags.js';
import { SEED_FLAGS } from './seeding.js';

describe('seed flags', () => {
  it('reads --users in both spellings', () => {
    expect(parseFlags(['--users', '10000'], SEED_FLAGS).users).toBe(10000);
    expect(parseFlags(['--users=5'], SEED_FLAGS).users).toBe(5);
  });

  it.each([
    [['--users', '0'], '--users: "0" is not accepted; expected an integer from 1 to 10000000'],
    [['--users', 'many'], '--users: "many" is not accepted'],
    [['--users', '1.5'], '--users: "1.5" is not accepted'],
    [['--users', '20000000'], 'expected an integer from 1 to 10000000'],
    [['--users'], '--users needs a value'],
    [['--users', '--database-url', 'x'], '--users needs a value'],
    [['--user', '5'], 'unknown flag --user; accepted flags:'],
    [['5'], 'unexpected argument "5"'],
  ])('refuses %j with a message naming the flag and what is accepted', (argv, message) => {
    expect(() => parseFlags(argv, SEED_FLAGS)).toThrow(CliFlagError);
    expect(() => parseFlags(argv, SEED_FLAGS)).toThrow(message);
  });

  it('refuses a value given to a boolean flag', () => {
    expect(() => parseFlags(['--quick=yes'], { quick: { type: 'bool', help: '' } })).toThrow('--quick takes no value');
  });
});

describe('built-in policy', () => {
  it('is the same policy as the sample policy.default.yaml', () => {
    const text = readFileSync(new URL('./policy.default.yaml', import.meta.url), 'utf8');
    const sample = parsePolicyDocument(text).policy;
    expect(sample).toEqual(defaultPolicy());
  });
});
