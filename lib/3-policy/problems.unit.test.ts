import { describe, expect, it } from 'vitest';
import { validatePolicySpec } from './load.js';
import { specProblems } from './problems.js';

const spec = (keyspace: Record<string, unknown>, rest: Record<string, unknown> = {}) => ({
  targetRef: { kind: 'Deployment', name: 'p' },
  keyspaces: [{ prefix: 'user:', ttl: '60s', ...keyspace }],
  ...rest,
});

describe('spec problems', () => {
  it.each([
    ['a bound on one field names that field', spec({ ttl: '500ms', l1: { maxEntries: 0 } }), 'spec.keyspaces[0].ttl', 'between 1s and 8760h', '500ms'],
    ['a nested bound', spec({}, { redis: { failover: { checkInterval: '10ms' } } }), 'spec.redis.failover.checkInterval', 'at least 50ms (0s is a busy loop of health checks)', '10ms'],
    ['an unknown field is named itself', spec({ colour: 'red' }), 'spec.keyspaces[0].colour', 'absent (no such field)', 'red'],
    ['a missing field is named itself', { targetRef: { kind: 'Deployment', name: 'p' }, keyspaces: [{ prefix: 'u:' }] }, 'spec.keyspaces[0].ttl', 'set (a required field)', undefined],
    ['a bad duration', spec({ ttl: '5 minutes' }), 'spec.keyspaces[0].ttl', 'a duration such as 1500ms, 60s, 10m or 1h', '5 minutes'],
    ['a type', spec({ l1: { maxEntries: 'many' } }), 'spec.keyspaces[0].l1.maxEntries', 'integer', 'many'],
    ['beta', spec({ earlyRefresh: { beta: '11' } }), 'spec.keyspaces[0].earlyRefresh.beta', '> 0 and <= 10', '11'],
  ])('%s: where, what is accepted, what arrived', (_name, s, path, expected, got) => {
    const problems = specProblems(s);
    expect(problems.map((p) => ({ path: p.path, expected: p.expected, got: p.got }))).toEqual([{ path, expected, got }]);
    expect(problems.map((p) => p.text)).toEqual(validatePolicySpec(s));
  });

  it('a rule across fields names the object it holds for, with the rule as what is accepted', () => {
    const [p, ...rest] = specProblems(spec({ originTimeout: '5s' }));
    expect(rest).toEqual([]);
    expect(p?.path).toBe('spec.keyspaces[0]');
    expect(p?.expected).toMatch(/^consistent: coalescing\.leaseTTL \(default 5s\) must be longer than originTimeout/);
    expect(p?.got).toMatchObject({ prefix: 'user:', originTimeout: '5s' });
  });
});
