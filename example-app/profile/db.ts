/**
 * The profile origin: PostgreSQL through a deliberately bounded `pg` pool. The read by id
 * is one fixed statement (PROFILE_BY_ID_SQL) so pg_stat_statements counts origin reads
 * exactly, from the database's own point of view.
 */
import pg from 'pg';
import { Gauge, type Registry } from 'prom-client';
import { metrics } from '../../lib/1-ground/metric-names.js';
import type { Profile, ProfilePatch } from './model.js';

export const SCHEMA_SQL = `CREATE TABLE IF NOT EXISTS profiles (
  id integer PRIMARY KEY CHECK (id > 0),
  name text NOT NULL,
  email text NOT NULL,
  bio text NOT NULL DEFAULT '',
  version bigint NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now()
)`;

/** The origin read. Exported so benchmarks and tests count it in pg_stat_statements. */
export const PROFILE_BY_ID_SQL = 'SELECT id, name, email, bio, version, updated_at FROM profiles WHERE id = $1';
const PROFILES_BY_IDS_SQL = 'SELECT id, name, email, bio, version, updated_at FROM profiles WHERE id = ANY($1::int[])';
const UPDATE_SQL = `UPDATE profiles SET
  name = COALESCE($2, name), email = COALESCE($3, email), bio = COALESCE($4, bio),
  version = version + 1, updated_at = now()
WHERE id = $1 RETURNING id, name, email, bio, version, updated_at`;

interface Row {
  id: number;
  name: string;
  email: string;
  bio: string;
  version: string; // bigint arrives as text
  updated_at: Date;
}

const toProfile = (r: Row): Profile => ({
  id: r.id,
  name: r.name,
  email: r.email,
  bio: r.bio,
  version: Number(r.version),
  updatedAt: r.updated_at.toISOString(),
});

export interface ProfileDbOptions {
  readonly url: string;
  readonly poolMax: number;
  readonly service: string;
  readonly registry?: Registry;
  /** Server-side cap on one statement, so a stuck query frees its connection. */
  readonly statementTimeoutMs?: number;
}

export class ProfileDb {
  readonly pool: pg.Pool;

  constructor(opts: ProfileDbOptions) {
    this.pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolMax,
      statement_timeout: opts.statementTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
    });
    // An idle client's connection error must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
    if (opts.registry) this.registerPoolGauge(opts.registry, opts.service);
  }

  /** active/idle/waiting read from the pool at scrape time, so the gauge is never stale. */
  private registerPoolGauge(registry: Registry, service: string): void {
    const d = metrics.dbPoolConnections;
    if (registry.getSingleMetric(d.name)) registry.removeSingleMetric(d.name);
    const pool = this.pool;
    new Gauge({
      name: d.name,
      help: d.help,
      labelNames: d.labels,
      registers: [registry],
      collect() {
        this.set({ service, state: 'active' }, pool.totalCount - pool.idleCount);
        this.set({ service, state: 'idle' }, pool.idleCount);
        this.set({ service, state: 'waiting' }, pool.waitingCount);
      },
    });
  }

  async getById(id: number): Promise<Profile | null> {
    const r = await this.pool.query<Row>(PROFILE_BY_ID_SQL, [id]);
    return r.rows[0] ? toProfile(r.rows[0]) : null;
  }

  /** Many profiles in one statement (warmup); distinct from the origin read on purpose. */
  async getMany(ids: readonly number[]): Promise<Profile[]> {
    const r = await this.pool.query<Row>(PROFILES_BY_IDS_SQL, [ids]);
    return r.rows.map(toProfile);
  }

  /** Applies the patch and bumps the version; null when the id does not exist. */
  async update(id: number, patch: ProfilePatch): Promise<Profile | null> {
    const r = await this.pool.query<Row>(UPDATE_SQL, [id, patch.name ?? null, patch.email ?? null, patch.bio ?? null]);
    return r.rows[0] ? toProfile(r.rows[0]) : null;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Calls of the origin read so far, from pg_stat_statements (0 when not yet run). */
export async function countOriginReads(client: pg.ClientBase | pg.Pool): Promise<number> {
  const r = await client.query<{ calls: string }>(
    'SELECT coalesce(sum(calls), 0)::text AS calls FROM pg_stat_statements WHERE query = $1',
    [PROFILE_BY_ID_SQL],
  );
  return Number(r.rows[0]?.calls ?? 0);
}
