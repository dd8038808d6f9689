/**
 * Samples each pod's /metrics once per call: WebSocket connections, RSS and the event-loop
 * lag p99 (prom-client resets its loop-delay histogram at every scrape, so each sample is
 * the p99 since the previous one). Keeps every sample for the summary; a run lasts tens of
 * seconds, so the arrays stay small.
 */
import { request } from 'undici';
import { sampleValue } from '../../lib/1-ground/exposition.js';

export interface PodSample {
  readonly connections: number;
  readonly rssMB: number;
  readonly lagP99Ms: number;
}

export interface PodSummary {
  readonly pod: number;
  readonly rssMBMax: number;
  /** The highest per-second event-loop lag p99 seen during the window. */
  readonly lagP99MsMax: number;
  /** The median of the per-second event-loop lag p99 samples. */
  readonly lagP99MsMedian: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)] as number) : 0;
};

export class PodSampler {
  private readonly samples: PodSample[][];

  constructor(private readonly urls: readonly string[]) {
    this.samples = urls.map(() => []);
  }

  /** One scrape per pod; returns the connection counts in pod order. */
  async sample(): Promise<number[]> {
    const one = async (url: string, i: number) => {
      const r = await request(`${url}/metrics`);
      const text = await r.body.text();
      const s: PodSample = {
        connections: sampleValue(text, 'herdguard_ws_connections', {}) ?? 0,
        rssMB: (sampleValue(text, 'process_resident_memory_bytes', {}) ?? 0) / 2 ** 20,
        lagP99Ms: (sampleValue(text, 'nodejs_eventloop_lag_p99_seconds', {}) ?? 0) * 1000,
      };
      this.samples[i]!.push(s);
      return s.connections;
    };
    return Promise.all(this.urls.map(one));
  }

  summary(): PodSummary[] {
    return this.samples.map((ss, pod) => ({
      pod,
      rssMBMax: Math.round(Math.max(0, ...ss.map((s) => s.rssMB))),
      lagP99MsMax: Math.round(Math.max(0, ...ss.map((s) => s.lagP99Ms))),
      lagP99MsMedian: Math.round(median(ss.map((s) => s.lagP99Ms))),
    }));
  }
}
