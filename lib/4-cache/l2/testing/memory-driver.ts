/**
 * An L2 in process memory, for fast unit tests of the cache's read path: a bounded map on
 * the test's clock standing in for one Redis node, and drivers connected to it as cache
 * instances would connect to Redis. It keeps the stored form (JSON text), the hot-key
 * replicas, the lease, the failover epoch and the fencing rule of lease/scripts.ts, and is
 * held to the same contract suite as RedisDriver (l2/driver-contract.test-helpers.ts).
 */
import { decodeEnvelope, encodeEnvelope, type Envelope } from '../../cache/envelope.js';
import { leaseKey, MAX_REPLICAS, replicaKey } from '../../lease/keys.js';
import { stamped, tokenEpoch, WRITER_TOKEN_PREFIX } from '../../lease/tokens.js';
import {
  L2_DOWN,
  type Acquired,
  type FenceResult,
  type FillListener,
  type L2Down,
  type L2Driver,
} from '../driver.js';

export interface MemoryStoreOptions {
  /** ms epoch: entries and leases expire on it (the cache's fake clock in tests). */
  readonly now: () => number;
  /** Most names held (values, replicas and leases alike); past it the oldest write is evicted. */
  readonly maxKeys?: number;
}

interface Stored {
  readonly value: string;
  readonly expiresAt: number;
}

const DOWN: Promise<L2Down> = Promise.resolve(L2_DOWN);

/** One node: what Redis holds, its failover epoch, its channels. */
export class MemoryStore {
  /** Answers nothing while true (a stopped server): every driver answers L2_DOWN. */
  down = false;
  /** The node's failover epoch (`hg:epoch`), raised by the operator with a promotion. */
  epoch = 0;
  private readonly names = new Map<string, Stored>();
  private readonly channels = new Map<string, Set<FillListener>>();
  private readonly maxKeys: number;

  constructor(private readonly opts: MemoryStoreOptions) {
    this.maxKeys = opts.maxKeys ?? 10_000;
  }

  /** A driver as one cache instance holds it, on `channel` (one per service). */
  connect(channel: string): MemoryDriver {
    return new MemoryDriver(this, channel);
  }

  get size(): number {
    return this.names.size;
  }

  get(name: string): string | null {
    const s = this.names.get(name);
    if (s === undefined) return null;
    // Redis keeps a key up to and including its expiry millisecond.
    if (s.expiresAt >= this.opts.now()) return s.value;
    this.names.delete(name);
    return null;
  }

  /** Remaining ms of `name`, -2 when absent (as PTTL). */
  pttl(name: string): number {
    return this.get(name) === null ? -2 : (this.names.get(name) as Stored).expiresAt - this.opts.now();
  }

  set(name: string, value: string, ttlMs: number): void {
    this.names.delete(name); // a rewrite counts as the newest write
    if (this.names.size >= this.maxKeys) this.names.delete(this.names.keys().next().value as string);
    this.names.set(name, { value, expiresAt: this.opts.now() + ttlMs });
  }

  del(name: string): boolean {
    return this.get(name) !== null && this.names.delete(name);
  }

  subscribe(channel: string, listener: FillListener): void {
    let set = this.channels.get(channel);
    if (set === undefined) this.channels.set(channel, (set = new Set()));
    set.add(listener);
  }

  unsubscribe(channel: string, listener: FillListener): void {
    this.channels.get(channel)?.delete(listener);
  }

  /** Delivered after the write returns, as pub/sub messages arrive after the script's reply. */
  publish(channel: string, key: string, token: string): void {
    for (const l of [...(this.channels.get(channel) ?? [])]) queueMicrotask(() => l(key, token));
  }
}

export class MemoryDriver implements L2Driver {
  private listener: FillListener | null = null;

  constructor(
    private readonly store: MemoryStore,
    private readonly channel: string,
  ) {}

  read(key: string, copy: number): Promise<Envelope | null | L2Down> {
    if (this.store.down) return DOWN;
    const text = this.store.get(replicaKey(key, copy));
    return Promise.resolve(text === null ? null : decodeEnvelope(text));
  }

  whenReady(): Promise<boolean> {
    return Promise.resolve(!this.store.down);
  }

  write(key: string, env: Envelope, pttlMs: number, copies: number, token: string): Promise<FenceResult> {
    if (this.store.down) return DOWN;
    const refused = this.fence(key, token);
    if (refused !== null) return Promise.resolve(refused);
    const text = encodeEnvelope(env);
    const ttl = Math.max(1, Math.round(pttlMs));
    this.store.set(key, text, ttl);
    // Copies 1..n-1 are the replicas; stale ones beyond n are removed (contiguous: stop at the first gap).
    for (let i = 1; i < MAX_REPLICAS; i++) {
      if (i < copies) this.store.set(replicaKey(key, i), text, ttl);
      else if (!this.store.del(replicaKey(key, i))) break;
    }
    return Promise.resolve(this.settle(key, token, env.f));
  }

  remove(key: string, token: string, notice: string): Promise<FenceResult> {
    if (this.store.down) return DOWN;
    const refused = this.fence(key, token);
    if (refused !== null) return Promise.resolve(refused);
    this.store.del(key);
    for (let i = 1; i < MAX_REPLICAS && this.store.del(replicaKey(key, i)); i++);
    return Promise.resolve(this.settle(key, token, notice));
  }

  acquire(key: string, token: string, ttlMs: number): Promise<Acquired | L2Down> {
    return this.take(key, token, ttlMs, false);
  }

  acquireForWriter(key: string, token: string, ttlMs: number): Promise<Acquired | L2Down> {
    return this.take(key, token, ttlMs, true);
  }

  release(key: string, token: string): Promise<boolean | L2Down> {
    if (this.store.down) return DOWN;
    return Promise.resolve(this.store.get(leaseKey(key)) === token && this.store.del(leaseKey(key)));
  }

  /** No breaker: a stopped store answers L2_DOWN to each command at once, which costs nothing. */
  readonly breakerOpen = false;

  listen(listener: FillListener): void {
    this.close();
    this.listener = listener;
    this.store.subscribe(this.channel, listener);
  }

  close(): void {
    if (this.listener !== null) this.store.unsubscribe(this.channel, this.listener);
    this.listener = null;
  }

  /** The rule of the WRITE script: null when the write may go ahead. */
  private fence(key: string, token: string): FenceResult | null {
    if (token === '') return null;
    if (tokenEpoch(token) < this.store.epoch) return 'rejected-superseded';
    const holder = this.store.get(leaseKey(key));
    if (holder === token) return null;
    return holder === null ? 'rejected-expired' : 'rejected-superseded';
  }

  private settle(key: string, token: string, announced: string): FenceResult {
    if (token !== '') this.store.del(leaseKey(key));
    this.store.publish(this.channel, key, announced);
    return 'written';
  }

  /** The ACQUIRE scripts: a holder stamped before the node's epoch counts as no holder. */
  private take(key: string, token: string, ttlMs: number, writer: boolean): Promise<Acquired | L2Down> {
    if (this.store.down) return DOWN;
    const name = leaseKey(key);
    const holder = this.store.get(name);
    const current = holder !== null && tokenEpoch(holder) >= this.store.epoch;
    if (current && (!writer || holder.startsWith(WRITER_TOKEN_PREFIX))) {
      return Promise.resolve({ won: false, holderPttlMs: this.store.pttl(name) });
    }
    const mine = stamped(token, this.store.epoch);
    this.store.set(name, mine, ttlMs);
    return Promise.resolve({ won: true, token: mine });
  }
}
