/**
 * `npm run bench:market -- [--quick] [--json FILE] [--connections N] [--scenario NAME]...`
 * (--connections: the balance scenario's client count; default 18 000, 3 000 with --quick)
 * Scenarios: stampede, leak, balance, hotKey (all by default). Writes the JSON results
 * (default reports/market.json) first, then the human report beside it (market.md + SVGs).
 */
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { writeJson, writeReport, type Table } from '../lib/index.js';
import { progress } from './progress.js';
import { balance, type BalanceResult } from './scenarios/balance.js';
import { hotKey, type HotKeyResult } from './scenarios/hotkey.js';
import { leak, type LeakResult } from './scenarios/leak.js';
import { stampede, type StampedeMode } from './scenarios/stampede.js';

const SCENARIOS = ['stampede', 'leak', 'balance', 'hotKey'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Results {
  quick: boolean;
  startedAt: string;
  command: string;
  stampede?: { baseline: StampedeMode; protected: StampedeMode };
  leak?: LeakResult;
  balance?: BalanceResult;
  hotKey?: HotKeyResult;
  acceptance: Record<string, { value: number; target: string; pass: boolean }>;
}

function usage(msg: string): never {
  process.stderr.write(`bench:market: ${msg}\nusage: npm run bench:market -- [--quick] [--json FILE] [--connections N] [--scenario ${SCENARIOS.join('|')}]...\n`);
  process.exit(2);
}

function parse(): { quick: boolean; json: string; scenarios: Scenario[]; connections: number | undefined } {
  let values;
  try {
    ({ values } = parseArgs({
      options: { quick: { type: 'boolean', default: false }, json: { type: 'string', default: 'reports/market.json' }, scenario: { type: 'string', multiple: true }, connections: { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    usage(err instanceof Error ? err.message : String(err));
  }
  const picked = values.scenario ?? [...SCENARIOS];
  for (const s of picked) if (!(SCENARIOS as readonly string[]).includes(s)) usage(`unknown scenario "${s}"; accepted: ${SCENARIOS.join(', ')}`);
  if (!values.json.endsWith('.json')) usage(`--json expects a file name ending in .json, got "${values.json}"`);
  const connections = values.connections === undefined ? undefined : Number(values.connections);
  if (connections !== undefined && !(Number.isInteger(connections) && connections >= 3 && connections <= 100_000)) {
    usage(`--connections expects an integer from 3 to 100000 (balance scenario), got "${values.connections}"`);
  }
  return { quick: values.quick, json: values.json, scenarios: picked as Scenario[], connections };
}

function acceptance(r: Results): Results['acceptance'] {
  const a: Results['acceptance'] = {};
  const check = (name: string, value: number, target: string, pass: boolean) => (a[name] = { value, target, pass });
  if (r.stampede) {
    const p = r.stampede.protected;
    check('stampede.protected.upstreamHitsPerSymbolPerExpiry', p.upstreamHitsPerSymbolPerExpiry, '<= 1', p.upstreamHitsPerSymbolPerExpiry <= 1);
    check('stampede.protected.upstream429', p.upstream429, '= 0', p.upstream429 === 0);
    check('stampede.baseline.upstream429', r.stampede.baseline.upstream429, '> 0 (the herd is reproduced)', r.stampede.baseline.upstream429 > 0);
  }
  if (r.leak) {
    check('leak.activeLoopsAtEnd', r.leak.activeLoopsAtEnd, '= 0', r.leak.activeLoopsAtEnd === 0);
    check('leak.orphanedLoops', r.leak.orphanedLoops, '= 0', r.leak.orphanedLoops === 0);
    check('leak.heapGrowthMB', r.leak.heapGrowthMB, '< 5', r.leak.heapGrowthMB < 5);
  }
  if (r.balance) {
    check('balance.maxOverMean', r.balance.maxOverMean, '<= 1.10', r.balance.maxOverMean <= 1.1);
    check('balance.clientsWithoutFeed', r.balance.clientsWithoutFeed, '= 0', r.balance.clientsWithoutFeed === 0);
    check('balance.closesPerExcessConnection', r.balance.closesPerExcessConnection, '<= 1.2', r.balance.closesPerExcessConnection <= 1.2);
  }
  if (r.hotKey) {
    check('hotKey.redisOpsOnHottestKeyPerRequest', r.hotKey.redisOpsOnHottestKeyPerRequest, '<= 0.01', r.hotKey.redisOpsOnHottestKeyPerRequest <= 0.01);
  }
  return a;
}

function tables(r: Results): Table[] {
  const t: Table[] = [];
  if (r.stampede) {
    t.push({
      title: `stampede: TTL expiry of 5 symbols, ${r.stampede.baseline.ratePerSec} req/s over 3 pods, vendor limit 50 req/s`,
      columns: ['mode', 'TTL ms', 'expiries/symbol', 'upstream hits', 'hits/symbol/expiry', 'max hits/symbol/expiry', 'upstream 429', 'HTTP 200', 'HTTP 503', 'p99 ms'],
      rows: [r.stampede.baseline, r.stampede.protected].map((m) => [m.mode, m.ttlMs, m.expiriesPerSymbol, m.upstreamHits, m.upstreamHitsPerSymbolPerExpiry, m.maxUpstreamHitsPerSymbolPerExpiry, m.upstream429, m.responses['200'] ?? 0, m.responses['503'] ?? 0, m.latency.p99Ms]),
    });
  }
  if (r.leak) {
    const l = r.leak;
    t.push({
      title: 'leak: subscribe/disconnect churn',
      columns: ['cycles', 'symbols', 'activeLoopsAtEnd', 'orphanedLoops', 'heapGrowthMB', 'loops started', 'loops stopped', 'leases left', 'channels left', 'cycles/s'],
      rows: [[l.cycles, l.symbols, l.activeLoopsAtEnd, l.orphanedLoops, l.heapGrowthMB, l.loopsStarted, l.loopsStopped, l.pollerLeasesAtEnd, l.quoteChannelsAtEnd, l.cyclesPerSec]],
    });
  }
  if (r.balance) {
    const b = r.balance;
    t.push({
      title: `balance: ${b.connections} connections, first placed ${b.initialPerPod.join(' / ')} (seed 000's skew), nginx least_conn`,
      columns: ['per pod after settle', 'maxOverMean', 's to ≤ 1.10', 'clientsWithoutFeed', 'rebalance closes (4000)', 'excess at start', 'closes per excess', 'reconnects', 'fan-out p50/p99 ms'],
      rows: [[b.perPod.join(' / '), b.maxOverMean, b.secondsToBalanced ?? 'never', b.clientsWithoutFeed, b.rebalanceCloses, b.excessAtStart, b.closesPerExcessConnection, b.reconnects, `${b.fanOutP50Ms} / ${b.fanOutP99Ms}`]],
    });
    t.push({
      title: 'balance: per pod during the rebalance (sampled every second)',
      columns: ['pod', 'RSS max MB', 'event-loop lag p99, max of samples ms', 'event-loop lag p99, median of samples ms'],
      rows: b.pods.map((p) => [p.pod, p.rssMBMax, p.lagP99MsMax, p.lagP99MsMedian]),
    });
  }
  if (r.hotKey) {
    const h = r.hotKey;
    t.push({
      title: `hotKey: ${h.subscribers} subscribers + ${h.ratePerSec} req/s on ${h.symbol} (Redis MONITOR, ${h.windowSeconds}s window)`,
      columns: ['requests', 'Redis commands', 'hottest key', 'ops on it', 'ops per request'],
      rows: [[h.requestsInWindow, h.redisCommandsInWindow, h.hottestKey, h.redisOpsOnHottestKey, h.redisOpsOnHottestKeyPerRequest]],
    });
    t.push({ title: 'hotKey: busiest keys', columns: ['key', 'ops'], rows: h.topKeys.map((k) => [k.key, k.ops]) });
  }
  t.push({ title: 'acceptance', columns: ['figure', 'value', 'target', 'pass'], rows: Object.entries(r.acceptance).map(([k, v]) => [k, v.value, v.target, v.pass ? 'yes' : 'NO']) });
  return t;
}

async function main(): Promise<void> {
  const { quick, json, scenarios, connections } = parse();
  const r: Results = { quick, startedAt: new Date().toISOString(), command: `npm run bench:market -- ${process.argv.slice(2).join(' ')}`.trim(), acceptance: {} };
  progress(`scenarios ${scenarios.join(', ')}${quick ? ' (quick)' : ''}`);
  if (scenarios.includes('stampede')) r.stampede = await stampede(quick);
  if (scenarios.includes('leak')) r.leak = await leak(quick);
  if (scenarios.includes('balance')) r.balance = await balance(quick, connections);
  if (scenarios.includes('hotKey')) r.hotKey = await hotKey(quick);
  r.acceptance = acceptance(r);
  writeJson(json, r);
  const plots = [];
  if (r.stampede) {
    plots.push({
      title: 'stampede: HTTP 503 per second (upstream limited, no stale value)',
      file: 'market-stampede-503.svg',
      series: [
        { name: 'baseline', points: r.stampede.baseline.errorsPerSecond },
        { name: 'protected', points: r.stampede.protected.errorsPerSecond },
      ],
      options: { xLabel: 's', yLabel: '503/s' },
    });
  }
  if (r.balance) {
    plots.push({ title: 'balance: max pod connections over mean', file: 'market-balance.svg', series: [{ name: 'maxOverMean', points: r.balance.timeline }], options: { xLabel: 's', yLabel: 'max/mean' } });
  }
  const report = await writeReport({
    dir: dirname(json),
    name: 'market',
    title: 'bench:market: quotes stampede, feed leak churn, WebSocket balance, hot key',
    intro: [`Command: \`${r.command}\` at ${r.startedAt}. Real redis-server, feed simulator, market-data processes and nginx on this machine.`],
    tables: tables(r),
    plots,
  });
  progress(`wrote ${json} and ${report}`);
  const failed = Object.entries(r.acceptance).filter(([, v]) => !v.pass);
  for (const [k, v] of Object.entries(r.acceptance)) progress(`${v.pass ? 'PASS' : 'FAIL'} ${k} = ${Number(v.value.toFixed(4))} (target ${v.target})`);
  process.exitCode = failed.length ? 1 : 0;
}

await main();
