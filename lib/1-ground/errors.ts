/**
 * Every failure the cache library reports has its own class and a stable `code`.
 * Callers branch on the class or the code, never on the message.
 */
export class HerdguardError extends Error {
  readonly code: string;
  readonly context: Readonly<Record<string, unknown>>;
  constructor(code: string, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }
}

/**
 * `scheme://user:password@` → `scheme://***@`, wherever it appears in a text, valid URL or
 * not: a bad REDIS_URL or DATABASE_URL is exactly the value an error echoes. Greedy up to
 * the last `@` of the token (a password may hold an unescaped `@`); `\"` counts as part of
 * the token so that JSON-encoded text is covered too.
 */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)(?:[^\s"'<>\\]|\\.)*@/gi, '$1***@');
}

/** Options given to a constructor were wrong. The value is echoed with any credentials redacted. */
export class InvalidOptionError extends HerdguardError {
  constructor(option: string, expected: string, got: unknown) {
    const shown = redactCredentials(JSON.stringify(got) ?? String(got));
    super('E_INVALID_OPTION', `expected ${option} to be ${expected}, got ${shown}`, {
      option,
      got: typeof got === 'string' ? redactCredentials(got) : got,
    });
  }
}

/** A policy (file, ConfigMap or object) failed validation; `problems` names each field at fault. */
export class PolicyInvalidError extends HerdguardError {
  readonly problems: readonly string[];
  constructor(problems: string[], options?: { cause?: unknown }) {
    super('E_POLICY_INVALID', `invalid cache policy: ${problems.join('; ')}`, { problems }, options);
    this.problems = problems;
  }
}

/** No keyspace of the policy covers the key. */
export class NoKeyspaceError extends HerdguardError {
  constructor(key: string) {
    super('E_NO_KEYSPACE', `no keyspace of the cache policy matches key "${key}"`, { key });
  }
}

/** The origin call ran past its hard timeout and was aborted. */
export class OriginTimeoutError extends HerdguardError {
  constructor(key: string, timeoutMs: number) {
    super('E_ORIGIN_TIMEOUT', `origin call for "${key}" exceeded ${timeoutMs}ms and was aborted`, { key, timeoutMs });
  }
}

/** The origin call failed and no stale value could be served. */
export class OriginError extends HerdguardError {
  constructor(key: string, cause: unknown) {
    super('E_ORIGIN_FAILED', `origin call for "${key}" failed and no stale value is within staleIfError`, { key }, {
      cause,
    });
  }
}

/** The origin guard refused the call: too many in flight and queued, no slot within the caller's wait, or circuit open. */
export class OriginRejectedError extends HerdguardError {
  constructor(origin: string, reason: 'queue_full' | 'queue_timeout' | 'circuit_open', retryAfterMs: number) {
    super('E_ORIGIN_REJECTED', `origin "${origin}" refused the call: ${reason.replace('_', ' ')}`, {
      origin,
      reason,
      retryAfterMs,
    });
  }
}

/** A waiter gave up on the lease holder after coalescing.waitTimeout. */
export class LeaseWaitTimeoutError extends HerdguardError {
  constructor(key: string, waitedMs: number) {
    super('E_LEASE_WAIT_TIMEOUT', `waited ${waitedMs}ms for another pod to fill "${key}"`, { key, waitedMs });
  }
}

/** The origin said the key does not exist (the factory returned NOT_FOUND); cached negatively. */
export class NotFoundError extends HerdguardError {
  constructor(key: string) {
    super('E_NOT_FOUND', `"${key}" does not exist at the origin`, { key });
  }
}

/** Redis could not be reached for an operation that must reach it (a delete): nothing was removed there. */
export class L2UnavailableError extends HerdguardError {
  constructor(key: string, operation: string) {
    super('E_L2_UNAVAILABLE', `could not ${operation} "${key}": Redis is unreachable; try again`, { key, operation });
  }
}

export const errors = {
  HerdguardError,
  InvalidOptionError,
  PolicyInvalidError,
  NoKeyspaceError,
  OriginTimeoutError,
  OriginError,
  OriginRejectedError,
  LeaseWaitTimeoutError,
  NotFoundError,
  L2UnavailableError,
} as const;
