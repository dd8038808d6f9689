/**
 * The fencing rule, in TypeScript for the unit tests and the docs; lease/scripts.ts holds
 * the same rule in Lua, where Redis applies it atomically.
 */
export type FenceDecision = 'write' | 'rejected-superseded' | 'rejected-expired' | 'rejected-stale-epoch';

/** Tokens are stamped `<token>@<epoch>` with the failover epoch of the Redis node that issued them. */
export const EPOCH_SEPARATOR = '@';

/** The epoch a token was stamped with; 0 for a token from before epochs (or from a node that never saw a promotion). */
export function tokenEpoch(token: string): number {
  const at = token.lastIndexOf(EPOCH_SEPARATOR);
  const n = at < 0 ? NaN : Number(token.slice(at + 1));
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * A write is accepted only while the writer's token is still the lease holder, and was
 * stamped at the node's current epoch: after a promotion the new primary may hold a
 * replicated copy of an old lease (or, the counter rewound, the very same token), and a
 * token from before the promotion must never win.
 */
export function fenceDecision(holder: string | null, token: string, nodeEpoch = 0): FenceDecision {
  if (tokenEpoch(token) < nodeEpoch) return 'rejected-stale-epoch';
  if (holder === token) return 'write';
  return holder === null ? 'rejected-expired' : 'rejected-superseded';
}

/** Writers (the write path) mark their tokens so they never steal the lease from another writer. */
export const WRITER_TOKEN_PREFIX = 'w:';

/**
 * A writer may take the lease from a reader (whose value is about to be outdated) but waits
 * for another writer, unless that writer's token is from before the node's epoch.
 */
export function writerMayTake(holder: string | null, nodeEpoch = 0): boolean {
  return holder === null || !holder.startsWith(WRITER_TOKEN_PREFIX) || tokenEpoch(holder) < nodeEpoch;
}
