/** `npm run seed:profile -- --users N [--database-url URL]`: schema plus users 1..N, idempotent. */
import { CliFlagError, parseFlags, runCli } from './flags.js';
import { MAX_SEED_USERS, SEED_FLAGS, seedProfiles } from './seeding.js';

runCli(async () => {
  const flags = parseFlags(process.argv.slice(2), SEED_FLAGS);
  if (flags.users === undefined) throw new CliFlagError(`--users is required (an integer from 1 to ${MAX_SEED_USERS})`);
  const url = flags['database-url'] ?? process.env['DATABASE_URL'];
  if (!url) throw new CliFlagError('no database: pass --database-url or set DATABASE_URL');
  const started = performance.now();
  const { inserted } = await seedProfiles(url, flags.users);
  process.stdout.write(
    `seeded users 1..${flags.users}: ${inserted} new, ${flags.users - inserted} already there (${Math.round(performance.now() - started)} ms)\n`,
  );
});
