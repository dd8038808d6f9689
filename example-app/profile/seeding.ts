/** Creates the profiles table and users 1..N; running it again adds nothing twice. */
import pg from 'pg';
import { SCHEMA_SQL } from './db.js';

export const MAX_SEED_USERS = 10_000_000;

/** Flags of `npm run seed:profile`. */
export const SEED_FLAGS = {
  users: { type: 'int', min: 1, max: MAX_SEED_USERS, help: 'how many users to create (ids 1..N)' },
  'database-url': { type: 'string', help: 'PostgreSQL URL (default: env DATABASE_URL)' },
} as const;

export async function seedProfiles(databaseUrl: string, users: number): Promise<{ inserted: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(SCHEMA_SQL);
    // One statement: existing ids are left as they are (their version keeps counting).
    const r = await client.query(
      `INSERT INTO profiles (id, name, email, bio)
       SELECT g, 'User ' || g, 'user' || g || '@example.com', 'Profile of user ' || g
       FROM generate_series(1, $1::int) AS g
       ON CONFLICT (id) DO NOTHING`,
      [users],
    );
    await client.query('ANALYZE profiles');
    return { inserted: r.rowCount ?? 0 };
  } finally {
    await client.end();
  }
}
