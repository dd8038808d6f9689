/**
 * Runs generated HTTP inputs against one real service process with bounded concurrency and
 * judges every answer. The rule, precisely:
 * - every response is a success (1xx/2xx) or a JSON error `{error: {code, message}}` whose
 *   code is in the service's allowed set; a 500 (`internal`) is always a failure;
 * - a framed request gets exactly one answer (the connection is then reused unless closed);
 * - a raw (broken) input gets at most one answer per request the parser could read, and the
 *   server closes the connection once the client half-closes; it never hangs. Closing with no
 *   answer is allowed only there, when the parser refused the bytes after an answer or before
 *   a request line was complete.
 */
import fc from 'fast-check';
import type { HttpInput, ServiceShape } from './http-inputs.js';
import { httpInputs } from './http-inputs.js';
import { RawConnection, type Exchange, type RawResponse } from './raw-http.js';

export interface CampaignStats {
  sent: number;
  framed: number;
  raw: number;
  responses: number;
  closedWithoutAnswer: number;
  /** Framed requests a reused connection closed unanswered, sent again on a fresh one. */
  retriedOnFreshConnection: number;
  statuses: Record<string, number>;
  codes: Record<string, number>;
  failures: string[];
}

const MAX_FAILURES = 20;
const TIMEOUT_MS = 5000;

export function judge(r: RawResponse, allowed: ReadonlySet<string>, head = false): { code?: string; problem?: string } {
  if (r.status < 300) return {};
  if (r.status < 400 || r.status === 500) return { problem: `status ${r.status}` };
  if (!/^application\/json\b/.test(r.headers['content-type'] ?? '')) return { problem: `status ${r.status} with content-type ${r.headers['content-type']}` };
  if (head && r.body.length === 0) return {}; // a HEAD's error has the JSON type and no body
  let body: unknown;
  try {
    body = JSON.parse(r.body.toString('utf8'));
  } catch {
    return { problem: `status ${r.status} with a body that is not JSON: ${r.body.toString('latin1').slice(0, 80)}` };
  }
  const e = (body as { error?: { code?: unknown; message?: unknown } }).error;
  if (typeof e?.code !== 'string' || typeof e.message !== 'string') return { problem: `status ${r.status} without {error: {code, message}}` };
  if (!allowed.has(e.code)) return { code: e.code, problem: `unexpected error code ${e.code} (${r.status}): ${e.message}` };
  return { code: e.code };
}

export function generateInputs(shape: ServiceShape, count: number, seed: number): HttpInput[] {
  return fc.sample(httpInputs(shape), { numRuns: count, seed });
}

/** Counts one exchange into the stats and records what breaks the rule. */
function record(s: CampaignStats, input: HttpInput, r: Exchange, allowed: ReadonlySet<string>, fail: (why: string) => void, prev: HttpInput | undefined): void {
  s.sent += 1;
  s[input.family] += 1;
  s.responses += r.responses.length;
  if (r.garbage) fail(`an answer that is not HTTP (${r.garbage})`);
  if (r.timedOut) fail(input.family === 'raw' ? 'the connection stayed open after the client half-closed' : 'no answer');
  if (r.responses.length === 0 && !r.timedOut) {
    s.closedWithoutAnswer += 1;
    if (input.family === 'framed') fail(`closed without an answer (${r.socketError ?? 'clean close'}; after ${JSON.stringify(prev?.bytes.toString('latin1').slice(0, 200))})`);
  }
  for (const resp of r.responses) {
    s.statuses[resp.status] = (s.statuses[resp.status] ?? 0) + 1;
    const j = judge(resp, allowed, input.head);
    if (j.code) s.codes[j.code] = (s.codes[j.code] ?? 0) + 1;
    if (j.problem) fail(j.problem);
  }
}

/** Sends every input; `concurrency` keep-alive connections carry the framed ones. */
export async function runCampaign(o: { port: number; inputs: readonly HttpInput[]; concurrency: number; allowed: ReadonlySet<string>; between?: (done: number) => Promise<void> }): Promise<CampaignStats> {
  const s: CampaignStats = { sent: 0, framed: 0, raw: 0, responses: 0, closedWithoutAnswer: 0, retriedOnFreshConnection: 0, statuses: {}, codes: {}, failures: [] };
  let next = 0;
  const worker = async () => {
    let conn: RawConnection | undefined;
    let prev: HttpInput | undefined;
    let reused = false;
    try {
      while (next < o.inputs.length) {
        const input = o.inputs[next++] as HttpInput;
        if (input.family === 'raw' || !conn || conn.closed) {
          conn?.destroy();
          conn = new RawConnection(o.port);
          await conn.ready;
          reused = false;
        }
        const opts = { expect: 1, halfClose: input.family === 'raw', headRequest: input.head, timeoutMs: TIMEOUT_MS };
        let r = await conn.exchange(input.bytes, opts);
        // A server may close a reused keep-alive connection just as a request goes out on it
        // (after answering the previous one): clients send such a request again on a fresh
        // connection, and so does this one, once. A fresh connection closed unanswered still fails.
        if (input.family === 'framed' && reused && r.responses.length === 0 && !r.timedOut) {
          s.retriedOnFreshConnection += 1;
          conn.destroy();
          conn = new RawConnection(o.port);
          await conn.ready;
          r = await conn.exchange(input.bytes, opts);
        }
        record(s, input, r, o.allowed, (why) => {
          if (s.failures.length < MAX_FAILURES) s.failures.push(`${why} for ${JSON.stringify(input.bytes.toString('latin1').slice(0, 160))}`);
        }, prev);
        prev = input;
        reused = true;
        if (r.closed || r.responses.some((x) => x.status === 101)) {
          conn.destroy();
          conn = undefined;
        }
        if (s.sent % 1000 === 0) await o.between?.(s.sent);
      }
    } finally {
      conn?.destroy();
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return s;
}

/** The raw answer to `GET //` (the request line that used to end the process). */
export async function getDoubleSlash(port: number): Promise<{ status: number; code: string | undefined }> {
  const c = new RawConnection(port);
  await c.ready;
  try {
    const r = await c.exchange(Buffer.from('GET // HTTP/1.1\r\nHost: x\r\n\r\n'), { expect: 1, timeoutMs: TIMEOUT_MS });
    const first = r.responses[0];
    if (!first) throw new Error('GET // got no answer');
    return { status: first.status, code: (JSON.parse(first.body.toString('utf8')) as { error?: { code?: string } }).error?.code };
  } finally {
    c.destroy();
  }
}
