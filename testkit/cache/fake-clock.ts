/**
 * The one fake clock is testkit/fake-clock.ts; this path keeps working for the tests that
 * still import it from here (the cache's own, e2e's seeded random).
 */
export { FakeClock } from '../fake-clock.js';
export { seededRandom } from '../../lib/1-ground/random.js';
