/** Failures talking to the Kubernetes API, with stable codes (the errors.ts pattern of the cache library). */
import { HerdguardError } from '../1-ground/errors.js';

/** The API server answered with a non-2xx status; `status` and `reason` are the API's. */
export class KubeApiError extends HerdguardError {
  readonly status: number;
  readonly reason: string;
  constructor(method: string, path: string, status: number, reason: string, message: string) {
    super('E_KUBE_API', `${method} ${path}: ${status} ${reason}: ${message}`, { method, path, status, reason });
    this.status = status;
    this.reason = reason;
  }
}

/** A watch's resourceVersion is too old (410 Gone, or an ERROR event saying so): relist. */
export class WatchExpiredError extends HerdguardError {
  constructor(path: string, message: string) {
    super('E_WATCH_EXPIRED', `watch ${path} expired: ${message}`, { path });
  }
}

/** A request got no complete answer within its timeout and was aborted (a hung API call never blocks a renewal or a step). */
export class KubeTimeoutError extends HerdguardError {
  constructor(method: string, path: string, timeoutMs: number) {
    super('E_KUBE_TIMEOUT', `${method} ${path}: no answer within ${timeoutMs}ms`, { method, path, timeoutMs });
  }
}

/** This operator no longer holds (or cannot be sure it holds) its leader Lease: it must not change anything. */
export class NotLeaderError extends HerdguardError {
  constructor(identity: string, context: Record<string, unknown> = {}) {
    super('E_NOT_LEADER', `${identity} does not hold the leader lease`, { identity, ...context });
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.status === 404;
export const isConflict = (e: unknown): boolean => e instanceof KubeApiError && e.status === 409;
