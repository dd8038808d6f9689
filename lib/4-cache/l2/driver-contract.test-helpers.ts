/**
 * The one contract every L2 driver keeps (l2/driver.ts): run against real Redis
 * (redis-driver.int.test.ts), where it tests the Lua of lease/scripts.ts, and against the
 * in-memory driver (testing/memory-driver.unit.test.ts), which the read path's unit tests use.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Envelope } from '../cache/envelope.js';
import { L2_DOWN, type L2Driver } from './driver.js';

export interface L2Backend {
  /** A driver as one cache instance holds it; every driver of a backend shares one channel. */
  connect(): Promise<L2Driver>;
  /** Lets `ms` of the backend's time pass (entries and leases expire on it). */
  elapse(ms: number): Promise<void>;
  /**
   * The operator's part in a promotion: the node's failover epoch becomes `epoch`. A Redis
   * Cluster has none (it fails over by itself; docs/adr/0014-redis-cluster-l2.md).
   */
  raiseEpoch(epoch: number): Promise<void>;
  /** The backend stops answering. */
  stop(): Promise<void>;
  /** Frees what the backend started; the suite closes the drivers. */
  close(): Promise<void>;
}

const LONG = 60_000;
/** A lease or entry that expires within a test: short enough to wait for, long enough to outlive a command. */
const SHORT = 50;
const PAST_SHORT = 150;

const env = (v: unknown, f: string): Envelope => ({ v, c: 1_000, e: 61_000, d: 3, f });

/** `epochs: false`: a backend no operator promotes (Redis Cluster): every token stays at epoch 0. */
export function l2DriverContract(name: string, start: () => Promise<L2Backend>, o: { epochs: boolean } = { epochs: true }): void {
  describe(`L2 driver contract: ${name}`, () => {
    let backend: L2Backend | null = null;
    const drivers: L2Driver[] = [];
    afterEach(async () => {
      for (const d of drivers.splice(0)) d.close();
      await backend?.close();
      backend = null;
    });
    async function setup(): Promise<{ b: L2Backend; a: L2Driver; other: L2Driver }> {
      const b = (backend = await start());
      const [a, other] = [await b.connect(), await b.connect()];
      drivers.push(a, other);
      return { b, a, other };
    }

    describe('envelopes', () => {
      it('reads back the envelope written, as written; an absent key reads null', async () => {
        const { a, other } = await setup();
        expect(await a.write('k:1', env({ n: 1, s: 'é' }, 't1'), LONG, 1, '')).toBe('written');
        expect(await other.read('k:1', 0)).toEqual(env({ n: 1, s: 'é' }, 't1'));
        expect(await other.read('k:2', 0)).toBeNull();
      });

      it('drops an entry after its pttl, and not one whose pttl is still running', async () => {
        const { b, a } = await setup();
        await a.write('k:short', env(1, 't1'), SHORT, 1, '');
        await a.write('k:long', env(2, 't2'), LONG, 1, '');
        await b.elapse(PAST_SHORT);
        expect(await a.read('k:short', 0)).toBeNull();
        expect(await a.read('k:long', 0)).toEqual(env(2, 't2'));
      });

      it('writes copies - 1 hot-key replicas, and a later write with fewer copies drops the rest', async () => {
        const { a } = await setup();
        await a.write('k:hot', env('v1', 't1'), LONG, 3, '');
        expect([await a.read('k:hot', 1), await a.read('k:hot', 2)]).toEqual([
          env('v1', 't1'),
          env('v1', 't1'),
        ]);
        expect(await a.read('k:hot', 3)).toBeNull();
        await a.write('k:hot', env('v2', 't2'), LONG, 1, '');
        expect([await a.read('k:hot', 0), await a.read('k:hot', 1), await a.read('k:hot', 2)]).toEqual([
          env('v2', 't2'),
          null,
          null,
        ]);
      });

      it('removes an entry with its replicas', async () => {
        const { a } = await setup();
        await a.write('k:gone', env('v', 't1'), LONG, 3, '');
        expect(await a.remove('k:gone', '', 'n1')).toBe('written');
        expect([await a.read('k:gone', 0), await a.read('k:gone', 1), await a.read('k:gone', 2)]).toEqual([
          null,
          null,
          null,
        ]);
      });
    });

    describe('the lease', () => {
      it("a free lease is won, its token stamped with the node's epoch (0 before any promotion)", async () => {
        const { a } = await setup();
        expect(await a.acquire('k:l', 'a.1', LONG)).toEqual({ won: true, token: 'a.1@0' });
      });

      it("a held lease is refused with the holder's remaining ttl", async () => {
        const { a, other } = await setup();
        await a.acquire('k:l', 'a.1', 10_000);
        const lost = await other.acquire('k:l', 'b.1', 10_000);
        expect(lost).toMatchObject({ won: false });
        const pttl = (lost as { holderPttlMs: number }).holderPttlMs;
        expect(pttl).toBeGreaterThan(0);
        expect(pttl).toBeLessThanOrEqual(10_000);
      });

      it('an expired lease is won by the next asker', async () => {
        const { b, a, other } = await setup();
        await a.acquire('k:l', 'a.1', SHORT);
        await b.elapse(PAST_SHORT);
        expect(await other.acquire('k:l', 'b.1', LONG)).toEqual({ won: true, token: 'b.1@0' });
      });

      it('release deletes the lease only for its holder', async () => {
        const { a, other } = await setup();
        const won = await a.acquire('k:l', 'a.1', LONG);
        expect(await other.release('k:l', 'b.1@0')).toBe(false);
        expect(await other.acquire('k:l', 'b.2', LONG)).toMatchObject({ won: false });
        expect(await a.release('k:l', (won as { token: string }).token)).toBe(true);
        expect(await other.acquire('k:l', 'b.3', LONG)).toEqual({ won: true, token: 'b.3@0' });
      });
    });

    describe('the fenced write', () => {
      it('lands for the lease holder and releases the lease in the same step', async () => {
        const { a, other } = await setup();
        const { token } = (await a.acquire('k:f', 'a.1', LONG)) as { token: string };
        expect(await a.write('k:f', env('v', token), LONG, 1, token)).toBe('written');
        expect(await other.read('k:f', 0)).toEqual(env('v', token));
        expect(await other.acquire('k:f', 'b.1', LONG)).toMatchObject({ won: true });
      });

      it('is refused as expired when the lease lapsed and nobody took it, and stores nothing', async () => {
        const { b, a } = await setup();
        const { token } = (await a.acquire('k:f', 'a.1', SHORT)) as { token: string };
        await b.elapse(PAST_SHORT);
        expect(await a.write('k:f', env('late', token), LONG, 1, token)).toBe('rejected-expired');
        expect(await a.read('k:f', 0)).toBeNull();
      });

      it('is refused as superseded when another holder took the lapsed lease, and leaves that holder its lease', async () => {
        const { b, a, other } = await setup();
        const old = (await a.acquire('k:f', 'a.1', SHORT)) as { token: string };
        await b.elapse(PAST_SHORT);
        const next = (await other.acquire('k:f', 'b.1', LONG)) as { token: string };
        expect(await a.write('k:f', env('old', old.token), LONG, 1, old.token)).toBe('rejected-superseded');
        expect(await a.read('k:f', 0)).toBeNull();
        expect(await other.write('k:f', env('new', next.token), LONG, 1, next.token)).toBe('written');
        expect(await a.read('k:f', 0)).toEqual(env('new', next.token));
      });

      it("a writer takes the lease from a reader, which fences the reader's write", async () => {
        const { a, other } = await setup();
        const reader = (await a.acquire('k:w', 'a.1', LONG)) as { token: string };
        const writer = await other.acquireForWriter('k:w', 'w:b.1', LONG);
        expect(writer).toEqual({ won: true, token: 'w:b.1@0' });
        expect(await a.write('k:w', env('read', reader.token), LONG, 1, reader.token)).toBe(
          'rejected-superseded',
        );
        expect(await other.write('k:w', env('written', 'w:b.1@0'), LONG, 1, 'w:b.1@0')).toBe('written');
        expect(await a.read('k:w', 0)).toEqual(env('written', 'w:b.1@0'));
      });

      it("a writer never takes another writer's lease, and readers wait for it too", async () => {
        const { a, other } = await setup();
        await a.acquireForWriter('k:w', 'w:a.1', 10_000);
        const lost = await other.acquireForWriter('k:w', 'w:b.1', 10_000);
        expect(lost).toMatchObject({ won: false });
        expect((lost as { holderPttlMs: number }).holderPttlMs).toBeGreaterThan(0);
        expect(await other.acquire('k:w', 'b.2', 10_000)).toMatchObject({ won: false });
      });

      it('remove is fenced like a write, and releases the lease when it goes through', async () => {
        const { a, other } = await setup();
        await a.write('k:r', env('v', 't0'), LONG, 1, '');
        const held = (await a.acquire('k:r', 'a.1', LONG)) as { token: string };
        expect(await other.remove('k:r', 'b.1@0', 'n1')).toBe('rejected-superseded');
        expect(await other.read('k:r', 0)).toEqual(env('v', 't0'));
        expect(await a.remove('k:r', held.token, 'n2')).toBe('written');
        expect(await other.read('k:r', 0)).toBeNull();
        expect(await other.acquire('k:r', 'b.2', LONG)).toMatchObject({ won: true });
      });
    });

    if (!o.epochs) {
      it('stamps every token with epoch 0: no operator raises an epoch on this backend', async () => {
        const { a, other } = await setup();
        expect(await a.acquire('k:e', 'a.1', LONG)).toEqual({ won: true, token: 'a.1@0' });
        expect(await other.acquireForWriter('k:e', 'w:b.1', LONG)).toEqual({ won: true, token: 'w:b.1@0' });
      });
    }

    if (o.epochs) describe('the failover epoch', () => {
      it('a token won before a promotion never writes after it, although its lease is still there', async () => {
        const { b, a } = await setup();
        const { token } = (await a.acquire('k:e', 'a.1', LONG)) as { token: string };
        await b.raiseEpoch(1);
        expect(await a.write('k:e', env('old', token), LONG, 1, token)).toBe('rejected-superseded');
        expect(await a.remove('k:e', token, 'n')).toBe('rejected-superseded');
        expect(await a.read('k:e', 0)).toBeNull();
      });

      it('a holder from before the promotion counts as no holder: the next reader wins at the new epoch and writes', async () => {
        const { b, a, other } = await setup();
        await a.acquire('k:e', 'a.1', LONG);
        await b.raiseEpoch(2);
        const won = await other.acquire('k:e', 'b.1', LONG);
        expect(won).toEqual({ won: true, token: 'b.1@2' });
        expect(await other.write('k:e', env('new', 'b.1@2'), LONG, 1, 'b.1@2')).toBe('written');
      });

      it('a writer from before the promotion does not hold back a writer after it', async () => {
        const { b, a, other } = await setup();
        await a.acquireForWriter('k:e', 'w:a.1', LONG);
        await b.raiseEpoch(1);
        expect(await other.acquireForWriter('k:e', 'w:b.1', LONG)).toEqual({ won: true, token: 'w:b.1@1' });
      });
    });

    describe('fill announcements', () => {
      /** What each driver hears, from the moment all of them hear (a Redis SUBSCRIBE completes asynchronously). */
      async function listening(writer: L2Driver, ...ds: L2Driver[]): Promise<Array<Array<[string, string]>>> {
        const heard = ds.map((d) => {
          const got: Array<[string, string]> = [];
          d.listen((key, token) => got.push([key, token]));
          return got;
        });
        await eventually(async () => {
          await writer.write('probe', env(0, 'probe'), LONG, 1, '');
          return heard.every((got) => got.length > 0);
        });
        await writer.write('probe:last', env(0, 'probe'), LONG, 1, '');
        await eventually(() => Promise.resolve(heard.every((got) => got.some(([k]) => k === 'probe:last'))));
        for (const got of heard) got.length = 0;
        return heard;
      }

      it('every listener hears a write (its token) and a remove (its notice), the writer included; a refused write is not announced', async () => {
        const { a, other } = await setup();
        const [heardA, heardB] = await listening(a, a, other);
        await a.write('k:n', env('v', 't1'), LONG, 1, '');
        await other.remove('k:n', '', 'gone.1');
        expect(await a.write('k:n', env('v', 'bogus.1@0'), LONG, 1, 'bogus.1@0')).toBe('rejected-expired');
        await a.write('k:last', env('v', 't2'), LONG, 1, ''); // announcements arrive in order: after this one, no more
        for (const heard of [heardA!, heardB!]) {
          await eventually(() => Promise.resolve(heard.some(([k]) => k === 'k:last')));
          expect(heard).toEqual([
            ['k:n', 't1'],
            ['k:n', 'gone.1'],
            ['k:last', 't2'],
          ]);
        }
      });

      it('a closed driver hears nothing more', async () => {
        const { a, other } = await setup();
        const [heardA, heardB] = await listening(other, a, other);
        a.close();
        await other.write('k:c', env('v', 't1'), LONG, 1, '');
        await eventually(() => Promise.resolve(heardB!.length === 1));
        expect(heardA).toEqual([]);
      });
    });

    it('a stopped backend is answered L2_DOWN at once, by every command', async () => {
      const { b, a } = await setup();
      await b.stop();
      expect(await a.read('k:d', 0)).toBe(L2_DOWN);
      expect(await a.write('k:d', env('v', 't'), LONG, 1, '')).toBe(L2_DOWN);
      expect(await a.remove('k:d', '', 'n')).toBe(L2_DOWN);
      expect(await a.acquire('k:d', 'a.1', LONG)).toBe(L2_DOWN);
      expect(await a.acquireForWriter('k:d', 'w:a.1', LONG)).toBe(L2_DOWN);
      expect(await a.release('k:d', 'a.1@0')).toBe(L2_DOWN);
      expect(await a.whenReady(50)).toBe(false);
    });
  });
}

/** Polls `probe` on real time (a Redis subscription and its messages arrive asynchronously). */
async function eventually(probe: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await probe())) {
    if (performance.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
