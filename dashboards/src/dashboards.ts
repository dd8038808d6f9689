/**
 * The five herdguard dashboards, one file each. Queries come from the shared alert queries
 * where an alert thresholds the same number, so the panel an alert links to shows what fired it.
 */
import { feeds } from './feeds.js';
import { hotKeys } from './hot-keys.js';
import type { DashboardSpec } from './kit.js';
import { operator } from './operator.js';
import { overview } from './overview.js';
import { redis } from './redis.js';

export const dashboards: readonly DashboardSpec[] = [overview, hotKeys, feeds, redis, operator];
