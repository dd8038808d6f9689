/**
 * Faults of the profile's origin, the chart's PostgreSQL, and a probe that watches it from
 * the database's side: whether it answers, and how many origin reads run in it at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { PROFILE_BY_ID_SQL } from '../../example-app/profile/db.js';
import { FULLNAME } from '../providers/chart-values.js';
import type { Provider } from '../providers/provider.js';

const POD = `${FULLNAME}-postgresql-0`;
const PROBE_EVERY_MS = 250;

/**
 * Stops the server as an administrator would: `pg_ctl stop -m fast` in its container ends
 * every session and the postmaster, so the container exits; the kubelet then restarts it
 * (restartPolicy Always) on the same pod and data, as it would after a crash.
 */
export async function stopPostgres(p: Provider, namespace: string): Promise<void> {
  await p.kubectl(['exec', '-n', namespace, POD, '-c', 'postgresql', '--', 'sh', '-c', 'pg_ctl stop -m fast --no-wait -D "$PGDATA"']);
}

/**
 * Zeroes pg_stat_statements as the superuser, over the pod's local socket: the application
 * role is not a superuser (charts/herdguard/templates/postgresql/initdb.yaml), so it may read
 * its statements' counts but not reset them.
 */
export async function resetOriginCounts(p: Provider, namespace: string): Promise<void> {
  await p.kubectl(['exec', '-n', namespace, POD, '-c', 'postgresql', '--', 'sh', '-c',
    'psql -v ON_ERROR_STOP=1 --no-psqlrc -q -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "SELECT pg_stat_statements_reset()" >/dev/null']);
}

/**
 * Keeps the named pods from PostgreSQL's port: each new connection is refused with a TCP
 * reset, what a stopped server's closed port answers, and each open one is reset. Rules in
 * the pods' own network namespaces, so the scenario's probe from the node still sees the
 * server itself. Resolves to the undo.
 */
export async function refusePostgres(p: Provider, pods: readonly string[], port = 5432): Promise<() => Promise<void>> {
  const rule = ['OUTPUT', '-p', 'tcp', '--dport', String(port), '-j', 'REJECT', '--reject-with', 'tcp-reset'];
  const done: string[] = [];
  const undo = async () => {
    for (const pod of done) await p.inPodNetwork(pod, ['iptables', '-D', ...rule]);
  };
  try {
    for (const pod of pods) {
      await p.inPodNetwork(pod, ['iptables', '-I', ...rule]);
      done.push(pod);
    }
  } catch (err) {
    await undo().catch(() => undefined);
    throw err;
  }
  return undo;
}

/**
 * Makes every origin read a query that spends `delayMs` inside PostgreSQL: the table moves
 * aside and a view of the same name filters it through a function that calls pg_sleep once
 * per row returned (the lookup by id returns one). The statement the services send is
 * unchanged; each read holds a backend and a pool connection for the whole delay, as a slow
 * plan or an I/O stall would. Resolves to the heal, which puts the table back.
 */
export async function slowOriginReads(databaseUrl: string, delayMs: number): Promise<() => Promise<void>> {
  await ddl(databaseUrl, [
    // COST: evaluated after every cheaper condition, so only rows that match pay the sleep.
    `CREATE OR REPLACE FUNCTION herdguard_e2e_slow_read() RETURNS boolean LANGUAGE plpgsql VOLATILE COST 1000000 AS $$
     BEGIN PERFORM pg_sleep(${delayMs / 1000}); RETURN true; END $$`,
    'ALTER TABLE profiles RENAME TO profiles_e2e_table',
    'CREATE VIEW profiles AS SELECT * FROM profiles_e2e_table WHERE herdguard_e2e_slow_read()',
  ]);
  return () => ddl(databaseUrl, ['DROP VIEW profiles', 'ALTER TABLE profiles_e2e_table RENAME TO profiles']);
}

/** Statements in one transaction; waits (at most 10 s) for the reads running on the table. */
async function ddl(databaseUrl: string, statements: readonly string[]): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl });
  c.on('error', () => undefined);
  await c.connect();
  try {
    await c.query("SET lock_timeout = '10s'");
    await c.query('BEGIN');
    for (const s of statements) await c.query(s);
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await c.end().catch(() => undefined);
  }
}

interface Probe {
  readonly at: number;
  /** Origin reads running in the database (pg_stat_activity), or null when it did not answer. */
  readonly activeReads: number | null;
}

/** Asks the database four times a second how many origin reads it is running. */
export class DbProbe {
  private readonly probes: Probe[] = [];
  private readonly pool: pg.Pool;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(databaseUrl: string) {
    // Short client-side timeouts: a stopped server is an answer (null), not a stuck probe.
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 1, connectionTimeoutMillis: 1000, query_timeout: 1000 });
    this.pool.on('error', () => undefined); // the server going away is what the probe observes
  }

  start(): void {
    this.loop = this.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.pool.end().catch(() => undefined);
  }

  maxActiveReads(from: number, to: number): number {
    return Math.max(0, ...this.probes.filter((p) => p.at >= from && p.at <= to).map((p) => p.activeReads ?? 0));
  }

  /** When the database stopped answering after `from`, and when it answered again; null if it never did either. */
  outage(from: number): { down: number; up: number } | null {
    const after = this.probes.filter((p) => p.at >= from);
    const down = after.find((p) => p.activeReads === null);
    const up = down && after.find((p) => p.at > down.at && p.activeReads !== null);
    return down && up ? { down: down.at, up: up.at } : null;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const activeReads = await this.pool
        .query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query = $1", [PROFILE_BY_ID_SQL])
        .then((r) => r.rows[0]?.n ?? 0, () => null);
      this.probes.push({ at: performance.now(), activeReads });
      await sleep(PROBE_EVERY_MS, undefined, { signal }).catch(() => undefined);
    }
  }
}
