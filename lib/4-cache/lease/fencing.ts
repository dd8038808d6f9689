/**
 * The fencing rule, in TypeScript for the unit tests and the docs; lease/scripts.ts holds
 * the same rule in Lua, where Redis applies it atomically. The token format is tokens.ts's.
 */
import { tokenEpoch, WRITER_TOKEN_PREFIX } from './tokens.js';

export { EPOCH_SEPARATOR, tokenEpoch, WRITER_TOKEN_PREFIX } from './tokens.js';

export type FenceDecision = 'write' | 'rejected-superseded' | 'rejected-expired' | 'rejected-stale-epoch';

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

/**
 * A writer may take the lease from a reader (whose value is about to be outdated) but waits
 * for another writer, unless that writer's token is from before the node's epoch.
 */
export function writerMayTake(holder: string | null, nodeEpoch = 0): boolean {
  return holder === null || !holder.startsWith(WRITER_TOKEN_PREFIX) || tokenEpoch(holder) < nodeEpoch;
}
