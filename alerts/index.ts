/** Every alert group, in the order they appear in the generated rule files. */
import { cacheAlerts } from './rules/cache.js';
import { feedAlerts } from './rules/feeds.js';
import { operatorAlerts } from './rules/operator.js';
import { originAlerts } from './rules/origin.js';
import { redisAlerts } from './rules/redis.js';
import { sloAlerts } from './rules/slo.js';
import type { AlertDef, AlertGroup } from './spec.js';

export const alertGroups: readonly AlertGroup[] = [
  cacheAlerts,
  originAlerts,
  feedAlerts,
  redisAlerts,
  operatorAlerts,
  sloAlerts,
];

export function allAlerts(): AlertDef[] {
  return alertGroups.flatMap((g) => [...g.rules]);
}
