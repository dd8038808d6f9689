/**
 * Redis AUTH for the failover brain's admin connections. The chart gives the operator its
 * own ACL user (REDIS_USERNAME=hg-operator) and REDIS_PASSWORD from that user's Secret key;
 * every connection the operator makes to a Redis pod (health checks, REPLICAOF, FAILOVER)
 * must send them, or the brain sees each pod as unreachable (NOAUTH) and never promotes.
 * Checked once at startup, with a message naming the variable and never showing the value.
 */

type Env = Readonly<Record<string, string | undefined>>;

export interface RedisAuth {
  /** Undefined: Redis's default user (a bare AUTH <password>). */
  readonly username?: string;
  /** Undefined: no AUTH (a Redis without requirepass, as in the local provider). */
  readonly password?: string;
}

/** REDIS_USERNAME and REDIS_PASSWORD: unset means no AUTH; a user name needs a password. */
export function redisAuthFromEnv(env: Env = process.env): RedisAuth {
  const username = env['REDIS_USERNAME'] || undefined;
  const password = env['REDIS_PASSWORD'];
  if (password === undefined) {
    if (username !== undefined) throw new RangeError(`expected REDIS_PASSWORD to be set with REDIS_USERNAME (user ${username}), got nothing`);
    return {};
  }
  if (password === '') {
    throw new RangeError(
      'expected REDIS_PASSWORD to be the Redis AUTH password, got an empty string (an empty Secret key?); unset it for a Redis without requirepass',
    );
  }
  // A Secret written with `echo` ends in a newline; Redis would then refuse every AUTH.
  const at = [...password].findIndex((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
  if (at >= 0) {
    throw new RangeError(
      `expected REDIS_PASSWORD without control characters, got one at index ${at} of ${password.length} (a trailing newline from "echo" into the Secret?)`,
    );
  }
  return username === undefined ? { password } : { username, password };
}
