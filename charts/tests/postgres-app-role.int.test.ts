/**
 * The chart's PostgreSQL application role on a real PostgreSQL 15: the node image's entrypoint
 * (images/local/postgres-entrypoint.sh, which mirrors the public image's) initialises an empty
 * data directory and runs the chart's rendered init script, exactly as in the pod; then the
 * profile service's own code connects as the chart wires it (DATABASE_URL naming the role,
 * the password in PGPASSWORD).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startProcess, tempDir, waitFor, type Managed } from '../../testkit/process.js';
import { countOriginReads, ProfileDb } from '../../example-app/profile/db.js';
import { seedProfiles } from '../../example-app/profile/seeding.js';
import { find, render, repoRoot } from './helm.js';

const PG_BIN = process.env['HERDGUARD_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';
const PASSWORD = String.raw`pg 'app" pa\ss $HOME @/:%`;
const ROLE = 'profile';

let server: Managed;
let port: number;
let url: string;
let logDir: string;

/** As root, PostgreSQL must run as the postgres user (it refuses root). */
function pgIds(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

beforeAll(async () => {
  if (!existsSync(join(PG_BIN, 'initdb'))) throw new Error(`PostgreSQL binaries not found in ${PG_BIN}: run "bash scripts/setup.sh" or set HERDGUARD_PG_BIN`);
  const cm = find(render({ values: { postgresql: { auth: { password: PASSWORD } } } }), 'ConfigMap', 'hg-herdguard-postgresql-initdb');
  const base = tempDir('chart-postgres');
  const dirs = Object.fromEntries(['initdb', 'sock', 'tmp', 'log'].map((d) => [d, join(base, d)]));
  for (const d of Object.values(dirs)) mkdirSync(d);
  for (const [name, body] of Object.entries(cm['data'] as Record<string, string>)) writeFileSync(join(dirs['initdb']!, name), body);
  const ids = pgIds();
  if ('uid' in ids) for (const d of [base, ...Object.values(dirs)]) chownSync(d, ids.uid, ids.gid);
  port = await freePort();
  logDir = dirs['log']!;
  const env = {
    PATH: `${PG_BIN}:${process.env['PATH'] ?? ''}`,
    TMPDIR: dirs['tmp']!,
    PGDATA: join(base, 'data'),
    POSTGRES_USER: 'postgres',
    POSTGRES_DB: 'profile',
    APP_DB_USER: ROLE,
    POSTGRES_PASSWORD: PASSWORD,
    POSTGRES_INITDB_DIR: dirs['initdb']!,
  };
  const args = ['-c', 'listen_addresses=127.0.0.1', '-c', `port=${port}`, '-c', `unix_socket_directories=${dirs['sock']!}`, '-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'fsync=off'];
  server = startProcess('chart-postgres', 'sh', [join(repoRoot, 'images/local/postgres-entrypoint.sh'), 'postgres', ...args], { ...ids, env, logDir });
  // As the profile Deployment: DATABASE_URL names the role, node-postgres takes PGPASSWORD.
  url = `postgres://${ROLE}@127.0.0.1:${port}/profile`;
  process.env['PGPASSWORD'] = PASSWORD;
  await waitFor('the chart PostgreSQL', async () => {
    if (server.child.exitCode !== null) throw new Error(`the entrypoint exited ${server.child.exitCode}: ${readFileSync(server.logFile, 'utf8')}`);
    return query('SELECT 1').then(() => true);
  }, 60_000);
}, 90_000);

afterAll(async () => {
  delete process.env['PGPASSWORD'];
  await server?.stop(5000);
});

async function query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, config: pg.ClientConfig = { connectionString: url }): Promise<T[]> {
  const c = new pg.Client(config);
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

/** The error code of `sql` run as the application role (42501: insufficient_privilege), or 'ok'. */
const codeOf = (sql: string) => query(sql).then(() => 'ok', (err: { code?: string }) => err.code ?? 'no code');

describe('the chart PostgreSQL application role', () => {
  it('is not a superuser and may not create databases or roles, replicate or bypass row security', async () => {
    const [r] = await query(`SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin, current_user AS me FROM pg_roles WHERE rolname = current_user`);
    expect(r).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false, rolcanlogin: true, me: ROLE });
  });

  it("runs profile's migration and seed, its reads and its update, and reads its own pg_stat_statements counts", async () => {
    expect(await seedProfiles(url, 50)).toEqual({ inserted: 50 });
    expect(await seedProfiles(url, 50)).toEqual({ inserted: 0 });
    const db = new ProfileDb({ url, poolMax: 2, service: 'test' });
    try {
      expect((await db.getById(7))?.name).toBe('User 7');
      expect((await db.getMany([1, 2, 3])).map((p) => p.id).sort()).toEqual([1, 2, 3]);
      expect((await db.update(7, { bio: 'changed' }))?.version).toBe(2);
      expect(await countOriginReads(db.pool)).toBeGreaterThanOrEqual(1);
    } finally {
      await db.close();
    }
    // What the e2e provider runs after seeding: a no-op, the init script created it.
    expect(await codeOf('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')).toBe('ok');
  });

  it.each([
    ['CREATE DATABASE other', '42501'],
    ['CREATE ROLE intruder LOGIN SUPERUSER', '42501'],
    [`ALTER ROLE ${ROLE} SUPERUSER`, '42501'],
    ["ALTER SYSTEM SET log_statement = 'all'", '42501'],
    ["COPY (SELECT 1) TO PROGRAM 'true'", '42501'],
    ["SELECT pg_read_file('PG_VERSION')", '42501'],
    ['SELECT rolpassword FROM pg_authid', '42501'],
    ['CREATE EXTENSION pg_buffercache', '42501'],
    ['CREATE SCHEMA elsewhere', '42501'],
  ])('is refused %s', async (sql, code) => {
    expect(await codeOf(sql)).toBe(code);
  });

  it('is the only role that may connect to the database besides the superuser', async () => {
    const [r] = await query<{ acl: string }>(`SELECT datacl::text AS acl FROM pg_database WHERE datname = 'profile'`);
    expect(r!.acl).not.toMatch(/(^|[{,])=/); // no grant to PUBLIC
    expect(r!.acl).toContain(`${ROLE}=c/`);
  });
});

describe('the chart PostgreSQL superuser', () => {
  it('keeps no password: the network cannot log in as it, not even with the Secret', async () => {
    const err = await query('SELECT 1', { host: '127.0.0.1', port, user: 'postgres', database: 'profile', password: PASSWORD }).then(() => null, (e: { code?: string }) => e);
    expect(err?.code).toBe('28P01'); // invalid_password
  });

  it('never had the password written to the server log', () => {
    expect(readFileSync(server.logFile, 'utf8')).not.toContain(PASSWORD);
  });
});
