/**
 * The metric-name contract (DESIGN.md). Services, the operator, dashboards-as-code and
 * alerts-as-code all import these definitions, so a rename cannot leave a panel blank or
 * an alert silent. Every label listed here takes a bounded set of values.
 */
export interface MetricDef<L extends string = string> {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly labels: readonly L[];
}

function def<const L extends string>(
  name: string,
  type: MetricDef['type'],
  help: string,
  labels: readonly L[],
): MetricDef<L> {
  return { name, type, help, labels };
}

export const PREFIX = 'herdguard_';

export const metrics = {
  // cache library
  cacheRequests: def('herdguard_cache_requests_total', 'counter', 'Cache lookups by tier and result.', [
    'service',
    'keyspace',
    'tier',
    'result',
  ]),
  cacheCoalesced: def(
    'herdguard_cache_coalesced_total',
    'counter',
    'Requests that joined an in-flight computation instead of calling the origin.',
    ['service', 'keyspace', 'scope'],
  ),
  cacheLease: def('herdguard_cache_lease_total', 'counter', 'Distributed lease outcomes.', [
    'service',
    'keyspace',
    'result',
  ]),
  cacheRefresh: def('herdguard_cache_refresh_total', 'counter', 'Background or write-path refreshes by reason.', [
    'service',
    'keyspace',
    'reason',
  ]),
  cacheFencedWritesRejected: def(
    'herdguard_cache_fenced_writes_rejected_total',
    'counter',
    'Value writes refused because the writer no longer held the lease token.',
    ['service', 'keyspace'],
  ),
  cacheL1Entries: def('herdguard_cache_l1_entries', 'gauge', 'Entries held in the in-process L1 tier.', ['service']),
  cacheErrors: def('herdguard_cache_errors_total', 'counter', 'Cache operations that failed, by stable error code.', [
    'service',
    'keyspace',
    'code',
  ]),
  cacheStaleFallbacks: def(
    'herdguard_cache_stale_fallbacks_total',
    'counter',
    'Fills answered with the stale value they carried (within staleIfError) because the origin failed or refused, or the lease holder did not answer in time. Callers coalesced on one fill share its one answer.',
    ['service', 'keyspace', 'reason'],
  ),
  hotKeyShare: def(
    'herdguard_hot_key_share',
    'gauge',
    'Share of keyspace requests taken by the rank-N key over the hot-key window (key names go to logs and status).',
    ['service', 'keyspace', 'rank'],
  ),
  hotKeyRate: def(
    'herdguard_hot_key_requests_per_second',
    'gauge',
    'Request rate of the rank-N key over the hot-key window.',
    ['service', 'keyspace', 'rank'],
  ),
  warmupKeys: def('herdguard_cache_warmup_keys_total', 'counter', 'Keys processed by gradual warmup.', [
    'service',
    'keyspace',
    'result',
  ]),
  // origin protection
  originRequests: def('herdguard_origin_requests_total', 'counter', 'Calls to the origin by outcome.', [
    'service',
    'origin',
    'outcome',
  ]),
  originDuration: def('herdguard_origin_request_duration_seconds', 'histogram', 'Origin call latency.', [
    'service',
    'origin',
  ]),
  originInflight: def('herdguard_origin_inflight', 'gauge', 'Origin calls in progress.', ['service', 'origin']),
  originCircuitOpen: def(
    'herdguard_origin_circuit_open',
    'gauge',
    '1 while the origin circuit breaker is open.',
    ['service', 'origin'],
  ),
  dbPoolConnections: def(
    'herdguard_db_pool_connections',
    'gauge',
    'PostgreSQL pool connections by state (active, idle, waiting clients).',
    ['service', 'state'],
  ),
  // HTTP serving
  httpRequests: def('herdguard_http_requests_total', 'counter', 'HTTP requests served, by route and status class.', [
    'service',
    'route',
    'code',
  ]),
  httpDuration: def('herdguard_http_request_duration_seconds', 'histogram', 'HTTP request latency by route.', [
    'service',
    'route',
  ]),
  processUncaughtErrors: def(
    'herdguard_process_uncaught_errors_total',
    'counter',
    'Exceptions and rejections that escaped every handler (logged; the process keeps serving). Any increase is a bug.',
    ['service', 'kind'],
  ),
  // market data
  feedLoops: def('herdguard_feed_loops', 'gauge', 'Feed loops running, by whether anyone still listens.', [
    'service',
    'state',
  ]),
  feedLoopsStarted: def('herdguard_feed_loops_started_total', 'counter', 'Feed loops started.', ['service']),
  feedLoopsStopped: def('herdguard_feed_loops_stopped_total', 'counter', 'Feed loops stopped, by reason.', [
    'service',
    'reason',
  ]),
  quoteLastUpdate: def(
    'herdguard_quote_last_update_timestamp_seconds',
    'gauge',
    'Unix time of the last quote seen per symbol (bounded, configured symbol list).',
    ['symbol'],
  ),
  wsConnections: def('herdguard_ws_connections', 'gauge', 'Open WebSocket connections on this pod.', ['service']),
  wsRebalanced: def(
    'herdguard_ws_rebalanced_total',
    'counter',
    'Clients asked to reconnect elsewhere because this pod held more than its share.',
    ['service'],
  ),
  feedSimulatorRequests: def(
    'herdguard_feed_simulator_requests_total',
    'counter',
    'Requests the bundled feed simulator answered, by symbol (its fixed universe, or "other") and outcome.',
    ['symbol', 'outcome'],
  ),
  wsDropped: def(
    'herdguard_ws_messages_dropped_total',
    'counter',
    'Messages not sent to a slow WebSocket consumer because its send buffer was over the bound.',
    ['service'],
  ),
  wsSlowConsumerClosed: def(
    'herdguard_ws_slow_consumer_closed_total',
    'counter',
    'WebSocket clients disconnected because their send buffer stayed over the bound.',
    ['service'],
  ),
  wsPolicyClosed: def(
    'herdguard_ws_policy_closed_total',
    'counter',
    'WebSocket clients closed by the connection policy: over the message rate, no pong (dead peer), or idle.',
    ['service', 'reason'],
  ),
  // redis and failover
  redisKeys: def('herdguard_redis_keys', 'gauge', 'Keys in the Redis primary.', ['redis']),
  redisRole: def('herdguard_redis_role', 'gauge', '1 for the role each Redis pod reports.', ['redis', 'pod', 'role']),
  redisPromotions: def('herdguard_redis_promotions_total', 'counter', 'Redis replica promotions by reason.', [
    'redis',
    'reason',
  ]),
  redisPromotionFailures: def(
    'herdguard_redis_promotion_failures_total',
    'counter',
    'Promotion attempts that failed, by step.',
    ['redis', 'step'],
  ),
  redisFailoverHolding: def(
    'herdguard_redis_failover_holding',
    'gauge',
    '1 for the reason the operator is holding back a promotion (operator/reasons.ts HoldReason, a closed set), 0 for the others.',
    ['redis', 'reason'],
  ),
  redisPrimaryFenced: def(
    'herdguard_redis_primary_fenced',
    'gauge',
    '1 while the primary refuses writes without a majority of replicas (min-replicas-to-write), 0 in survivor mode.',
    ['redis'],
  ),
  redisClusterState: def(
    'herdguard_redis_cluster_state',
    'gauge',
    '1 for the state the operator reports for a Redis Cluster (ClusterOk, ClusterDegraded or ClusterDown, operator/reasons.ts), 0 for the others.',
    ['redis', 'reason'],
  ),
  redisFailoverDuration: def(
    'herdguard_redis_failover_duration_seconds',
    'histogram',
    'Time from detected primary loss (or planned switchover start) to a writable new primary.',
    ['redis', 'reason'],
  ),
  // operator and policy delivery
  operatorReconcile: def('herdguard_operator_reconcile_total', 'counter', 'Reconciles by controller and result.', [
    'controller',
    'result',
  ]),
  operatorReconcileDuration: def(
    'herdguard_operator_reconcile_duration_seconds',
    'histogram',
    'Reconcile duration by controller.',
    ['controller'],
  ),
  operatorQueueDepth: def('herdguard_operator_queue_depth', 'gauge', 'Items waiting in the work queue.', [
    'controller',
  ]),
  operatorApiRequests: def(
    'herdguard_operator_api_requests_total',
    'counter',
    'Requests the operator made to the Kubernetes API, by verb and resource (watches count once per (re)connect).',
    ['verb', 'resource'],
  ),
  operatorLeader: def('herdguard_operator_leader', 'gauge', '1 on the replica that holds the leader lease.', []),
  policyGenerationApplied: def(
    'herdguard_policy_generation_applied',
    'gauge',
    'CachePolicy generation applied by this process.',
    ['service', 'policy'],
  ),
  policyGenerationDesired: def(
    'herdguard_policy_generation_desired',
    'gauge',
    'CachePolicy generation the operator wants applied (metadata.generation); compared with the applied one.',
    ['policy'],
  ),
  policyReloadErrors: def(
    'herdguard_policy_reload_errors_total',
    'counter',
    'Policy updates refused (the last good policy stays in force).',
    ['service', 'reason'],
  ),
} as const;

export type MetricKey = keyof typeof metrics;

/** Bounded label values, named once so services and rules agree. */
export const labelValues = {
  tier: ['l1', 'l2'] as const,
  result: ['hit', 'miss', 'stale'] as const,
  scope: ['local', 'distributed'] as const,
  lease: ['acquired', 'waited', 'timeout', 'takeover'] as const,
  refreshReason: ['early', 'stale', 'warmup', 'write', 'revalidate'] as const,
  originOutcome: ['ok', 'error', 'timeout', 'rejected', 'not_found'] as const,
  staleFallback: ['origin_failed', 'lease_wait_timeout'] as const,
  feedState: ['subscribed', 'orphaned'] as const,
  hotKeyRanks: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'] as const,
  poolState: ['active', 'idle', 'waiting'] as const,
  httpCode: ['1xx', '2xx', '3xx', '4xx', '5xx'] as const,
  reconcileResult: ['success', 'requeue', 'error'] as const,
  redisRole: ['primary', 'replica'] as const,
  /** The reasons of herdguard_redis_cluster_state, spelled as operator/reasons.ts CLUSTER_REASONS (a test holds them equal). */
  redisClusterState: ['ClusterOk', 'ClusterDegraded', 'ClusterDown'] as const,
  escapedKind: ['uncaught_exception', 'unhandled_rejection'] as const,
  wsPolicyClose: ['rate_limited', 'dead_peer', 'idle'] as const,
};
