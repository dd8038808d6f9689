/**
 * A fleet of profile service processes (real processes, `tsx example-app/profile/main.ts`)
 * sharing one Redis, one PostgreSQL and one watched policy file. Policy changes are made by
 * rewriting the file and waiting until every instance reports the new generation.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { freePort, startProcess, waitFor, type Managed } from '../../testkit/process.js';
import type { CacheImpl } from '../../example-app/profile/stores/store.js';
import { sampleValue } from '../../lib/1-ground/exposition.js';

export interface Instance {
  readonly url: string;
  readonly proc: Managed;
}

export interface Fleet {
  readonly impl: CacheImpl;
  readonly instances: readonly Instance[];
  readonly policyFile: string;
  /** Rewrites the watched file; resolves once every instance applied `policyName` at `generation`. */
  setPolicy(document: string, policyName: string, generation: number): Promise<void>;
  stop(): Promise<void>;
}

export interface FleetOptions {
  readonly impl: CacheImpl;
  readonly size: number;
  readonly redisUrl: string;
  readonly databaseUrl: string;
  readonly dir: string;
  readonly policy: string;
  readonly poolMax: number;
  readonly repoRoot: string;
  /** Extra environment for every instance (REDIS_CLUSTER_NODES on a cluster). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra node flags for every instance (e.g. `--cpu-prof --cpu-prof-dir DIR` to profile the herd). */
  readonly nodeArgs?: readonly string[];
}

export async function scrape(url: string): Promise<string> {
  const r = await request(`${url}/metrics`, { headersTimeout: 10_000, bodyTimeout: 10_000 });
  return r.body.text();
}

/** Value of one sample line, e.g. metricValue(text, 'herdguard_db_pool_connections', {state: 'waiting'}). */
export const metricValue = sampleValue;

export async function startFleet(o: FleetOptions): Promise<Fleet> {
  const policyFile = join(o.dir, `policy-${o.impl}.json`);
  writeFileSync(policyFile, o.policy);
  const instances = await Promise.all(
    Array.from({ length: o.size }, async (_, i) => {
      const port = await freePort();
      const proc = startProcess(`profile-${o.impl}-${i}`, process.execPath, [...(o.nodeArgs ?? []), '--import', 'tsx', 'example-app/profile/main.ts'], {
        cwd: o.repoRoot,
        logDir: o.dir,
        env: {
          ...process.env,
          PORT: String(port),
          REDIS_URL: o.redisUrl,
          DATABASE_URL: o.databaseUrl,
          HERDGUARD_POLICY_FILE: policyFile,
          CACHE_IMPL: o.impl,
          DB_POOL_MAX: String(o.poolMax),
          HERDGUARD_SERVICE_NAME: 'profile',
          LOG_LEVEL: 'warn',
          ...o.env,
        },
      });
      return { url: `http://127.0.0.1:${port}`, proc };
    }),
  );
  const stop = async () => {
    await Promise.all(instances.map((i) => i.proc.stop(5000)));
  };
  try {
    for (const inst of instances) {
      await waitFor(`${inst.proc.name} (log ${inst.proc.logFile})`, async () => {
        if (inst.proc.child.exitCode !== null) throw new Error(`exited with code ${inst.proc.child.exitCode}`);
        const r = await request(`${inst.url}/readyz`);
        await r.body.dump();
        return r.statusCode === 200;
      }, 60_000);
    }
    // A process that lost its port to another would leave someone else answering /readyz.
    const dead = instances.find((i) => i.proc.child.exitCode !== null);
    if (dead) throw new Error(`${dead.proc.name} exited during start-up; see ${dead.proc.logFile}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    impl: o.impl,
    instances,
    policyFile,
    stop,
    async setPolicy(document, policyName, generation) {
      writeFileSync(policyFile, document);
      const deadline = Date.now() + 15_000;
      for (const inst of instances) {
        for (;;) {
          const v = metricValue(await scrape(inst.url), 'herdguard_policy_generation_applied', { policy: policyName });
          if (v === generation) break;
          if (Date.now() > deadline) throw new Error(`${inst.proc.name} did not apply policy generation ${generation} within 15s`);
          await sleep(50);
        }
      }
    },
  };
}
