/**
 * One service's fuzz run, end to end: the `GET //` answer, RSS before, every 1 000 inputs
 * and after, the campaign with /healthz checked every 1 000 inputs, the escaped-error
 * counter, and whether the process is still running. Printed and written to reports/fuzz-<service>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { request } from 'undici';
import { sampleValue } from '../../../lib/1-ground/exposition.js';
import { getDoubleSlash, generateInputs, runCampaign, type CampaignStats } from './campaign.js';
import type { HttpInput, ServiceShape } from './http-inputs.js';
import { inMiB, rssBytes } from './rss.js';

/** Codes every service-kit server may answer with. */
/** The RSS bounds every fuzzed process must keep: the chart's memory limit, and no growth once warm. */
export const RSS_LIMIT_MIB = 256;
export const RSS_GROWTH_AFTER_HALFWAY_MIB = 24;

export const COMMON_CODES = [
  'invalid_url', 'bad_request', 'headers_too_large', 'request_timeout', 'expectation_failed', 'method_not_allowed', 'missing_host',
  'no_such_route', 'unsupported_media_type', 'body_too_large', 'invalid_json', 'body_incomplete',
] as const;

export interface FuzzTarget {
  readonly service: string;
  readonly child: ChildProcess;
  readonly port: number;
  readonly shape: ServiceShape;
  readonly allowed: readonly string[];
  readonly count: number;
  readonly seed: number;
  readonly concurrency?: number;
}

export interface FuzzReport {
  readonly service: string;
  readonly seed: number;
  readonly inputsSent: number;
  readonly framed: number;
  readonly raw: number;
  readonly responses: number;
  readonly closedWithoutAnswer: number;
  readonly distinctErrorCodes: number;
  readonly codes: Record<string, number>;
  readonly statuses: Record<string, number>;
  readonly doubleSlash: { status: number; code: string | undefined };
  readonly rssBeforeMiB: number;
  /** RSS halfway through: the growth after it shows a leak, the growth before it warm-up. */
  readonly rssHalfwayMiB: number;
  readonly rssAfterMiB: number;
  readonly rssMaxMiB: number;
  readonly rssEvery1000MiB: readonly number[];
  readonly healthChecks: number;
  readonly healthFailures: number;
  readonly escapedErrors: number;
  readonly processesEnded: number;
  readonly durationS: number;
  readonly failures: readonly string[];
}

async function healthy(port: number): Promise<boolean> {
  try {
    const r = await request(`http://127.0.0.1:${port}/healthz`, { headersTimeout: 5000, bodyTimeout: 5000 });
    await r.body.dump();
    return r.statusCode === 200;
  } catch {
    return false;
  }
}

async function escapedErrors(port: number): Promise<number> {
  const text = await (await request(`http://127.0.0.1:${port}/metrics`)).body.text();
  return (['uncaught_exception', 'unhandled_rejection'] as const).reduce((n, kind) => n + (sampleValue(text, 'herdguard_process_uncaught_errors_total', { kind }) ?? NaN), 0);
}

export async function fuzzService(t: FuzzTarget, extra?: { inputs?: readonly HttpInput[] }): Promise<FuzzReport & { stats: CampaignStats }> {
  const started = Date.now();
  const pid = t.child.pid as number;
  const doubleSlash = await getDoubleSlash(t.port);
  const rssBefore = rssBytes(pid);
  const inputs = extra?.inputs ?? generateInputs(t.shape, t.count, t.seed);
  let healthChecks = 0;
  let healthFailures = 0;
  const rss: number[] = [];
  const stats = await runCampaign({
    port: t.port,
    inputs,
    concurrency: t.concurrency ?? 16,
    allowed: new Set(t.allowed),
    between: async () => {
      rss.push(rssBytes(pid));
      healthChecks += 1;
      if (!(await healthy(t.port))) healthFailures += 1;
    },
  });
  healthChecks += 1;
  if (!(await healthy(t.port))) healthFailures += 1;
  const rssAfter = rssBytes(pid);
  const report: FuzzReport = {
    service: t.service,
    seed: t.seed,
    inputsSent: stats.sent,
    framed: stats.framed,
    raw: stats.raw,
    responses: stats.responses,
    closedWithoutAnswer: stats.closedWithoutAnswer,
    distinctErrorCodes: Object.keys(stats.codes).length,
    codes: stats.codes,
    statuses: stats.statuses,
    doubleSlash,
    rssBeforeMiB: inMiB(rssBefore),
    rssHalfwayMiB: inMiB(rss[Math.floor(rss.length / 2)] ?? rssBefore),
    rssAfterMiB: inMiB(rssAfter),
    rssMaxMiB: inMiB(Math.max(rssBefore, rssAfter, ...rss)),
    rssEvery1000MiB: rss.map(inMiB),
    healthChecks,
    healthFailures,
    escapedErrors: await escapedErrors(t.port),
    processesEnded: t.child.exitCode !== null || t.child.signalCode !== null ? 1 : 0,
    durationS: Math.round((Date.now() - started) / 100) / 10,
    failures: stats.failures,
  };
  writeReport(`fuzz-${t.service}`, report);
  return { ...report, stats };
}

export function writeReport(name: string, report: object): void {
  const { failures: _failures, ...summary } = report as { failures?: unknown };
  console.log(`${name}:`, JSON.stringify(summary));
  mkdirSync('reports', { recursive: true });
  writeFileSync(`reports/${name}.json`, `${JSON.stringify(report, null, 2)}\n`);
}
