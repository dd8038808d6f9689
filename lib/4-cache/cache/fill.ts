/**
 * A fill: the work of answering one key from the origin, shared by every caller that
 * joins it (single-flight). Created only on a miss or a refresh, never on a hit.
 */
import type { Envelope } from './envelope.js';
import type { Keyspace } from './keyspaces.js';
import type { Factory } from './types.js';

/** Why a fill runs, and which envelope found in Redis on a re-check makes it unnecessary. */
export interface FillMode {
  readonly reason: 'early' | 'stale' | 'warmup' | 'revalidate' | null;
  readonly accept: (env: Envelope, now: number) => boolean;
}

/** A read's miss: any envelope not yet expired will do. */
export const MISS: FillMode = { reason: null, accept: (env, now) => now < env.e };
export const WARMUP: FillMode = { reason: 'warmup', accept: MISS.accept };

export interface Fill {
  readonly key: string;
  readonly ks: Keyspace;
  readonly factory: Factory<unknown>;
  /** Served if the origin fails within staleIfError, or the lease holder never answers. */
  readonly stale: Envelope | null;
  readonly mode: FillMode;
  /** A write or delete of the key began after this fill: its value may be answered, never stored. */
  superseded: boolean;
  /** Settles with the envelope every caller of the fill is answered with. */
  promise: Promise<Envelope>;
}
