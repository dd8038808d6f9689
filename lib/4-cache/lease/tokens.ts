/**
 * Lease tokens: `<instance>.<sequence>`, writers' prefixed `w:`, and once won stamped
 * `<token>@<epoch>` by the node with its failover epoch (docs/adr/0006-redis-fencing.md §3).
 * The fencing rule itself lives in the Lua of lease/scripts.ts, tested on a real Redis by the
 * L2 driver contract; only the token format is shared here.
 */
export const EPOCH_SEPARATOR = '@';

/** Writers (the write path) mark their tokens so they never steal the lease from another writer. */
export const WRITER_TOKEN_PREFIX = 'w:';

/** The digits after the last separator, as the Lua's `'@(%d+)$'` reads them. */
const STAMP = /@(\d+)$/;

/** The epoch a token was stamped with; 0 for a token from before epochs (or from a node that never saw a promotion). */
export function tokenEpoch(token: string): number {
  const m = STAMP.exec(token);
  return m === null ? 0 : Number(m[1]);
}

/** The token as a node at `epoch` stores it when the lease is won. */
export function stamped(token: string, epoch: number): string {
  return `${token}${EPOCH_SEPARATOR}${epoch}`;
}

/**
 * Unique tokens: `instanceId` tells processes apart, the sequence tells calls apart. Also
 * names the envelopes written without a lease, so a peer can tell its L1 copy from ours.
 */
export class TokenSource {
  private seq = 0;
  constructor(private readonly instanceId: string) {}
  next(writer = false): string {
    return `${writer ? WRITER_TOKEN_PREFIX : ''}${this.instanceId}.${++this.seq}`;
  }
}
