/**
 * The WebSocket server's configuration from the environment: message and send bounds,
 * liveness (rate, heartbeat, idle) and the connection cap derived from the memory limit.
 * Env: WS_MAX_SUBSCRIPTIONS, WS_MAX_CONNECTIONS, WS_MAX_MESSAGE_BYTES, WS_SEND_DROP_BYTES,
 * WS_SEND_DISCONNECT_BYTES, WS_MAX_CONSECUTIVE_DROPS, WS_MAX_MESSAGES_PER_SECOND,
 * WS_PING_INTERVAL_MS, WS_IDLE_TIMEOUT_MS, MEMORY_LIMIT_BYTES, WS_MEMORY_RESERVE_BYTES.
 */
import { envInt, type Env } from '../../service-kit/env.js';
import { DEFAULT_RESERVE_BYTES, readMemoryLimit, wsCapacity, type WsCapacity } from './capacity.js';
import type { Liveness } from './connection.js';
import { DEFAULT_SEND_LIMITS, type SendLimits } from './send-policy.js';

export interface WsConfig {
  readonly maxSubscriptions: number;
  readonly maxConnections: number;
  readonly maxMessageBytes: number;
  readonly limits: SendLimits;
  readonly liveness: Liveness;
  readonly capacity: WsCapacity;
}

export const DEFAULT_LIVENESS: Liveness = { maxMessagesPerSecond: 20, pingIntervalMs: 30_000, idleTimeoutMs: 120_000 };

export function readWsConfig(env: Env, readLimit: () => ReturnType<typeof readMemoryLimit> = () => readMemoryLimit(env['MEMORY_LIMIT_BYTES'])): WsConfig {
  const dropBytes = envInt(env, 'WS_SEND_DROP_BYTES', DEFAULT_SEND_LIMITS.dropAboveBytes, 1, 64 * 1024 * 1024);
  const limits: SendLimits = {
    dropAboveBytes: dropBytes,
    disconnectAboveBytes: envInt(env, 'WS_SEND_DISCONNECT_BYTES', dropBytes * 4, dropBytes, 256 * 1024 * 1024),
    maxConsecutiveDrops: envInt(env, 'WS_MAX_CONSECUTIVE_DROPS', DEFAULT_SEND_LIMITS.maxConsecutiveDrops, 1, 1_000_000),
  };
  const maxMessageBytes = envInt(env, 'WS_MAX_MESSAGE_BYTES', 4096, 64, 1024 * 1024);
  const liveness: Liveness = {
    maxMessagesPerSecond: envInt(env, 'WS_MAX_MESSAGES_PER_SECOND', DEFAULT_LIVENESS.maxMessagesPerSecond, 1, 10_000),
    pingIntervalMs: envInt(env, 'WS_PING_INTERVAL_MS', DEFAULT_LIVENESS.pingIntervalMs, 200, 600_000),
    idleTimeoutMs: envInt(env, 'WS_IDLE_TIMEOUT_MS', DEFAULT_LIVENESS.idleTimeoutMs, 200, 86_400_000),
  };
  const capacity = wsCapacity({
    limit: readLimit(),
    reserveBytes: envInt(env, 'WS_MEMORY_RESERVE_BYTES', DEFAULT_RESERVE_BYTES, 0, Number.MAX_SAFE_INTEGER),
    limits,
    maxMessageBytes,
    maxConnections: envInt(env, 'WS_MAX_CONNECTIONS', 20_000, 1, 1_000_000),
  });
  return {
    maxSubscriptions: envInt(env, 'WS_MAX_SUBSCRIPTIONS', 20, 1, 500),
    maxConnections: capacity.cap,
    maxMessageBytes,
    limits,
    liveness,
    capacity,
  };
}
