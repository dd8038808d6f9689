import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, startProcess, tempDir, waitFor, type Managed } from './process.js';

export interface PostgresServer extends Managed {
  readonly port: number;
  /** URL of the `herdguard` database, pg_stat_statements enabled. */
  readonly url: string;
  readonly dataDir: string;
}

const PG_BIN = process.env['HERDGUARD_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';

function pgUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null; // not root: run as ourselves
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/**
 * A real PostgreSQL in a temp dir: initdb, then postgres with pg_stat_statements preloaded
 * so benchmarks count origin queries from the database's own view. As root it runs as the
 * `postgres` user, since PostgreSQL refuses to run as root.
 */
export async function startPostgres(opts: { maxConnections?: number; logDir?: string } = {}): Promise<PostgresServer> {
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    throw new Error(`PostgreSQL binaries not found in ${PG_BIN}: run "bash scripts/setup.sh" or set HERDGUARD_PG_BIN`);
  }
  const port = await freePort();
  const base = tempDir(`pg-${port}`);
  const dataDir = join(base, 'data');
  const sockDir = join(base, 'sock');
  mkdirSync(dataDir);
  mkdirSync(sockDir);
  const user = pgUser();
  if (user) {
    for (const p of [base, dataDir, sockDir]) chownSync(p, user.uid, user.gid);
  }
  const ids = user ? { uid: user.uid, gid: user.gid } : {};
  execFileSync(join(PG_BIN, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8'], {
    ...ids,
    stdio: 'ignore',
  });
  const args = [
    '-D', dataDir, '-p', String(port), '-k', sockDir, '-c', 'listen_addresses=127.0.0.1',
    '-c', `max_connections=${opts.maxConnections ?? 200}`, '-c', 'shared_preload_libraries=pg_stat_statements',
    '-c', 'pg_stat_statements.track=all', '-c', 'fsync=off', '-c', 'synchronous_commit=off',
    '-c', 'full_page_writes=off',
  ];
  const proc = startProcess(`postgres-${port}`, join(PG_BIN, 'postgres'), args, { ...ids, logDir: opts.logDir ?? base });
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitFor(`postgres on 127.0.0.1:${port}`, async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    try {
      await c.connect();
      return true;
    } finally {
      await c.end().catch(() => undefined);
    }
  });
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE herdguard');
  await admin.end();
  const url = `postgres://postgres@127.0.0.1:${port}/herdguard`;
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await db.end();
  return { ...proc, port, url, dataDir };
}
