import { describe, expect, it } from 'vitest';
import { parseClientMessage } from './protocol.js';
import { decideSend } from './send-policy.js';

describe('client messages', () => {
  it.each([
    ['{"op":"subscribe","symbol":"AAPL"}', { ok: true, msg: { op: 'subscribe', symbol: 'AAPL' } }],
    ['{"op":"ping"}', { ok: true, msg: { op: 'ping' } }],
    ['not json', { ok: false, code: 'invalid_json' }],
    ['[1,2]', { ok: false, code: 'invalid_message' }],
    ['{"op":"drop_tables"}', { ok: false, code: 'unknown_op' }],
  ])('parses %s', (text, expected) => {
    expect(parseClientMessage(text)).toMatchObject(expected);
  });
});

describe('bounded send buffer', () => {
  const limits = { dropAboveBytes: 100, disconnectAboveBytes: 400, maxConsecutiveDrops: 3 };
  it.each([
    [0, 0, 'send'],
    [150, 0, 'drop'],
    [150, 3, 'disconnect'],
    [500, 0, 'disconnect'],
  ] as const)('with %i bytes buffered and %i drops in a row it decides %s', (buffered, drops, decision) => {
    expect(decideSend(buffered, drops, limits)).toBe(decision);
  });
});
