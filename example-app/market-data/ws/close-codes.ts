/**
 * WebSocket close codes this service sends (4000-4999 is the application range).
 * Clients branch on the code; the reason text is for humans.
 *
 * - 4000 REBALANCE: this pod holds more than its fair share of the fleet's connections;
 *   reconnect (through the load balancer, after a short jittered delay) and you will land
 *   on a less loaded pod. Not an error. The reconnect adds ?rebalanced=1 (REBALANCED_QUERY)
 *   until it lands: a pod above its share answers such an upgrade with 503, and a load
 *   balancer that retries on 503 tries the next pod.
 * - 4001 SLOW_CONSUMER: the client did not read fast enough and its send buffer stayed
 *   over the bound; reconnect when ready to read.
 * - 4002 TOO_MANY_BAD_MESSAGES: repeated malformed messages.
 * - 4003 RATE_LIMITED: more client messages than the per-connection rate allows; slow down.
 * - 4004 IDLE: no subscription and no message for the idle timeout; reconnect when needed.
 * - A peer that does not answer the server's ping within one interval is cut without a
 *   close frame (it cannot read one): the client sees 1006.
 * - 1001 (standard, going away): the pod is shutting down; reconnect.
 * - 1009 (standard, message too big): a client message over the size limit.
 */
export const CloseCode = {
  Rebalance: 4000,
  SlowConsumer: 4001,
  TooManyBadMessages: 4002,
  RateLimited: 4003,
  Idle: 4004,
  GoingAway: 1001,
  MessageTooBig: 1009,
} as const;

export const CloseReason = {
  Rebalance: 'rebalance: this pod is above its fair share; reconnect through the load balancer',
  SlowConsumer: 'slow consumer: send buffer over the bound',
  TooManyBadMessages: 'too many malformed messages',
  RateLimited: 'rate limit: too many messages per second on this connection',
  Idle: 'idle: no subscription and no message within the idle timeout',
  GoingAway: 'server shutting down; reconnect',
} as const;

/** The query a client shed with 4000 adds to its reconnect, until it is connected again. */
export const REBALANCED_QUERY = 'rebalanced=1';
