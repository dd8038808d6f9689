/**
 * Client → server messages, validated: JSON objects
 *   {"op":"subscribe","symbol":"MSFT"}   {"op":"unsubscribe","symbol":"MSFT"}   {"op":"ping"}
 * Anything else gets an error message naming what was wrong and what is accepted.
 */
export type ClientMessage =
  | { readonly op: 'subscribe'; readonly symbol: unknown }
  | { readonly op: 'unsubscribe'; readonly symbol: unknown }
  | { readonly op: 'ping' };

export const ACCEPTED = 'a JSON object {"op":"subscribe"|"unsubscribe","symbol":"AAPL"} or {"op":"ping"}';

export type Parsed = { readonly ok: true; readonly msg: ClientMessage } | { readonly ok: false; readonly code: string; readonly message: string };

export function parseClientMessage(data: string): Parsed {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return { ok: false, code: 'invalid_json', message: `the message is not JSON; expected ${ACCEPTED}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return { ok: false, code: 'invalid_message', message: `expected ${ACCEPTED}` };
  }
  const op = (v as Record<string, unknown>)['op'];
  if (op === 'ping') return { ok: true, msg: { op } };
  if (op === 'subscribe' || op === 'unsubscribe') return { ok: true, msg: { op, symbol: (v as Record<string, unknown>)['symbol'] } };
  return { ok: false, code: 'unknown_op', message: `op ${JSON.stringify(op) ?? 'undefined'} is not accepted; expected ${ACCEPTED}` };
}
