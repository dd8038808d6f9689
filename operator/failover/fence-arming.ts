/**
 * Keeps the fence (fence.ts) applied on every Redis process the brain reaches. CONFIG SET
 * does not survive a restart, so what was applied is remembered per run id: a restarted
 * pod gets it again, a steady one costs no command per tick.
 */
import { fenceKey, type FenceSettings } from './fence.js';
import type { RedisAdmin } from './redis-admin.js';
import type { Health } from './world.js';
import { usable } from './world.js';

export class FenceArming {
  private readonly applied = new Map<string, string>();

  constructor(
    private readonly admin: RedisAdmin,
    /** Checked before each CONFIG SET: a deposed leader changes nothing. */
    private readonly ensureLeading: () => Promise<void>,
  ) {}

  /** Applies `s` where it is missing; true when every reachable pod carries it. */
  async apply(health: Health, s: FenceSettings): Promise<boolean> {
    let all = true;
    for (const h of health.values()) {
      if (!usable(h) || !h.info) continue;
      const key = fenceKey(h.info.runId, s);
      if (this.applied.get(h.pod.name) === key) continue;
      await this.ensureLeading();
      try {
        await this.admin.setFence(h.pod, s);
        this.applied.set(h.pod.name, key);
      } catch {
        all = false; // the pod went away between the check and the command: next tick
      }
    }
    this.retain(health);
    return all;
  }

  /** Forgets pods that left the StatefulSet (bounded by its size). */
  private retain(health: Health): void {
    for (const name of this.applied.keys()) if (!health.has(name)) this.applied.delete(name);
  }
}
