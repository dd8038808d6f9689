import { describe, expect, it } from 'vitest';
import { OriginRejectedError } from '../../1-ground/errors.js';
import { FakeClock } from '../../../testkit/fake-clock.js';
import { OriginGuard } from './origin-guard.js';

const policy = { maxConcurrency: 2, maxQueue: 1, failureThreshold: 3, resetAfterMs: 5_000 };

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('origin guard', () => {
  it('runs at most maxConcurrency calls, queues maxQueue and refuses the rest with queue_full', async () => {
    const guard = new OriginGuard(policy, 'db', () => 0);
    const gates = [deferred<number>(), deferred<number>(), deferred<number>()];
    const running = gates.map((g) => guard.run(() => g.promise));
    expect(guard.inflight).toBe(2);
    expect(guard.queued).toBe(1);
    const refused = guard.run(() => Promise.resolve(9));
    await expect(refused).rejects.toMatchObject({
      code: 'E_ORIGIN_REJECTED',
      context: { reason: 'queue_full' },
    });
    gates.forEach((g, i) => g.resolve(i));
    expect(await Promise.all(running)).toEqual([0, 1, 2]);
    expect(guard.inflight).toBe(0);
  });

  it('refuses a queued call with queue_timeout when no slot frees within its wait, and never runs it', async () => {
    const guard = new OriginGuard({ ...policy, maxQueue: 10 }, 'db', () => 0);
    const gates = [deferred<number>(), deferred<number>()];
    const running = gates.map((g) => guard.run(() => g.promise));
    let ran = false;
    const queued = guard.run(() => ((ran = true), Promise.resolve(9)), 20);
    await expect(queued).rejects.toMatchObject({ code: 'E_ORIGIN_REJECTED', context: { reason: 'queue_timeout' } });
    expect(guard.queued).toBe(0);
    gates.forEach((g, i) => g.resolve(i));
    expect(await Promise.all(running)).toEqual([0, 1]);
    expect(ran).toBe(false);
    expect(guard.inflight).toBe(0);
  });

  it('runs a queued call that gets its slot within its wait', async () => {
    const guard = new OriginGuard(policy, 'db', () => 0);
    const gates = [deferred<number>(), deferred<number>()];
    const running = gates.map((g) => guard.run(() => g.promise));
    const queued = guard.run(() => Promise.resolve(9), 1_000);
    gates[0]!.resolve(0);
    expect(await queued).toBe(9);
    gates[1]!.resolve(1);
    await Promise.all(running);
    expect(guard.inflight).toBe(0);
  });

  it('opens after failureThreshold consecutive failures and tells callers when to retry', async () => {
    const clock = new FakeClock(0);
    const transitions: boolean[] = [];
    const guard = new OriginGuard(
      policy,
      'db',
      () => clock.now(),
      (open) => transitions.push(open),
    );
    for (let i = 0; i < 3; i++)
      await expect(guard.run(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    clock.advance(1_000);
    const err = await guard.run(() => Promise.resolve(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OriginRejectedError);
    expect((err as OriginRejectedError).context).toMatchObject({
      reason: 'circuit_open',
      retryAfterMs: 4_000,
    });
    expect(transitions).toEqual([true]);
  });

  it('lets one trial call through after resetAfter, and closes on its success', async () => {
    const clock = new FakeClock(0);
    const guard = new OriginGuard(policy, 'db', () => clock.now());
    for (let i = 0; i < 3; i++)
      await guard.run(() => Promise.reject(new Error('down'))).catch(() => undefined);
    clock.advance(5_000);
    const trial = deferred<number>();
    const trialRun = guard.run(() => trial.promise);
    await expect(guard.run(() => Promise.resolve(2))).rejects.toMatchObject({
      context: { reason: 'circuit_open' },
    });
    trial.resolve(1);
    expect(await trialRun).toBe(1);
    expect(guard.circuit).toBe('closed');
    expect(await guard.run(() => Promise.resolve(3))).toBe(3);
  });

  it('reopens at once when the trial call fails', async () => {
    const clock = new FakeClock(0);
    const guard = new OriginGuard(policy, 'db', () => clock.now());
    for (let i = 0; i < 3; i++)
      await guard.run(() => Promise.reject(new Error('down'))).catch(() => undefined);
    clock.advance(5_000);
    await guard.run(() => Promise.reject(new Error('still down'))).catch(() => undefined);
    expect(guard.circuit).toBe('open');
    await expect(guard.run(() => Promise.resolve(1))).rejects.toBeInstanceOf(OriginRejectedError);
  });

  it('does not count successes between failures towards the threshold', async () => {
    const guard = new OriginGuard(policy, 'db', () => 0);
    for (let i = 0; i < 5; i++) {
      await guard.run(() => Promise.reject(new Error('x'))).catch(() => undefined);
      await guard.run(() => Promise.resolve(1));
    }
    expect(guard.circuit).toBe('closed');
  });
});
