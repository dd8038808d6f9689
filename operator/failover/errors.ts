/**
 * Failures of the failover brain, each with a stable `code` (callers branch on class or
 * code, never on the message).
 */
import { HerdguardError } from '../../lib/1-ground/errors.js';

/** A Redis admin command (INFO, REPLICAOF, FAILOVER) failed or timed out. */
export class RedisCommandError extends HerdguardError {
  constructor(pod: string, command: string, cause: unknown) {
    super('E_REDIS_COMMAND', `redis pod "${pod}" failed ${command}`, { pod, command }, { cause });
  }
}

/** A promotion step did not reach its goal in time (e.g. FAILOVER never completed). */
export class PromotionStepError extends HerdguardError {
  readonly step: string;
  constructor(step: string, message: string, context: Record<string, unknown> = {}) {
    super('E_PROMOTION_STEP', message, { step, ...context });
    this.step = step;
  }
}

/** The recorded promotion state could not be written (conflict or API error). */
export class PromotionStoreError extends HerdguardError {
  /** Someone else wrote the record since this operator read it: re-read, never overwrite. */
  readonly conflict: boolean;
  constructor(redis: string, cause: unknown, conflict = false) {
    super('E_PROMOTION_STORE', `could not record promotion progress for redis "${redis}"${conflict ? ' (written by someone else since it was read)' : ''}`, { redis, conflict }, { cause });
    this.conflict = conflict;
  }
}

export const failoverErrors = { RedisCommandError, PromotionStepError, PromotionStoreError } as const;
