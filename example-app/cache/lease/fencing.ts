/**
 * The fencing rule, in TypeScript for the unit tests and the docs; lease/scripts.ts holds
 * the same rule in Lua, where Redis applies it atomically.
 */
export type FenceDecision = 'write' | 'rejected-superseded' | 'rejected-expired';

/** A write is accepted only while the writer's token is still the lease holder. */
export function fenceDecision(holder: string | null, token: string): FenceDecision {
  if (holder === token) return 'write';
  return holder === null ? 'rejected-expired' : 'rejected-superseded';
}

/** Writers (the write path) mark their tokens so they never steal the lease from another writer. */
export const WRITER_TOKEN_PREFIX = 'w:';

/** A writer may take the lease from a reader (whose value is about to be outdated) but waits for another writer. */
export function writerMayTake(holder: string | null): boolean {
  return holder === null || !holder.startsWith(WRITER_TOKEN_PREFIX);
}
