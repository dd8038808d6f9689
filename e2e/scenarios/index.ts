/** Every scenario, by name. Add new ones here. */
import { idleCost } from './idle-cost.js';
import { observabilityLive } from './observability-live.js';
import { operatorKilledMidPromotion } from './operator-killed-mid-promotion.js';
import { postgresDownScenario, postgresSlowScenario, redisSlowScenario } from './origin-faults.js';
import { partitionOperatorPrimary, partitionPrimaryIsolated, partitionServicesPrimary, primaryStall } from './partitions.js';
import { propagation } from './propagation.js';
import { redisColdRestart } from './redis-cold-restart.js';
import { redisPlannedRestart } from './redis-planned-restart.js';
import { redisPrimaryKill } from './redis-primary-kill.js';
import type { Scenario } from './scenario.js';
import { staleAfterFailover } from './stale-after-failover.js';

export const scenarios: readonly Scenario[] = [
  propagation,
  idleCost,
  redisPrimaryKill,
  redisPlannedRestart,
  redisColdRestart,
  operatorKilledMidPromotion,
  staleAfterFailover,
  observabilityLive,
  partitionOperatorPrimary,
  partitionServicesPrimary,
  partitionPrimaryIsolated,
  primaryStall,
  redisSlowScenario,
  postgresDownScenario,
  postgresSlowScenario,
];
