/** Failures talking to the Kubernetes API, with stable codes (the errors.ts pattern of the cache library). */
import { HerdguardError } from '../../example-app/cache/errors.js';

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

export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.status === 404;
export const isConflict = (e: unknown): boolean => e instanceof KubeApiError && e.status === 409;
