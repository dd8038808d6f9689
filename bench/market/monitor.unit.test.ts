import { describe, expect, it } from 'vitest';
import { keysOf } from './monitor.js';

describe('keys counted from a MONITOR line', () => {
  it.each([
    [['GET', 'quote:AAPL'], ['quote:AAPL']],
    [['EVALSHA', 'abc', '2', 'k1', 'k2', 'arg'], ['k1', 'k2']],
    [['eval', 'return 1', '0'], []],
    [['MGET', 'a', 'b'], ['a', 'b']],
    [['MSET', 'a', '1', 'b', '2'], ['a', 'b']],
    [['PUBLISH', 'chan', 'msg'], ['chan']],
    [['PING'], []],
    [['SET', 'k', 'v', 'PX', '10'], ['k']],
  ])('counts %j as touching %j', (args, keys) => {
    expect(keysOf(args)).toEqual(keys);
  });
});
