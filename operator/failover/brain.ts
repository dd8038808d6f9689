/**
 * The failover brain of one Redis StatefulSet: every checkInterval it checks each pod,
 * judges the primary, and carries out at most one promotion, step by step, recording
 * progress before and after each step. It owns its loop: start() once, stop() ends it and
 * waits for the tick in flight.
 */
import type { Clock } from '../../lib/1-ground/clock.js';
import type { WarmupRequest } from '../../lib/3-policy/warmup.js';
import { collapsed, warmupRequest } from './cold.js';
import { decide, type Decision, type RedisRecord } from './decide.js';
import { fencePlan } from './fence.js';
import { FenceArming } from './fence-arming.js';
import { judge } from './health.js';
import { observe } from './health.js';
import { nextPromotionAction, type Action, type PromotionProgress } from './promotion.js';
import { EventReason, type HoldReason } from '../reasons.js';
import type { RedisAdmin } from './redis-admin.js';
import { primariesSeen, steadyActions } from './topology.js';
import type { Health, Probe, Published, RedisPod, World } from './world.js';
import type { FailoverMetrics } from './metrics.js';

/** Side effects outside Redis, supplied by the controller (Kubernetes) or by a test. */
export interface FailoverSeams {
  /** The StatefulSet's Redis pods as Kubernetes reports them. */
  pods(): Promise<RedisPod[]>;
  loadRecord(): Promise<RedisRecord>;
  saveRecord(r: RedisRecord): Promise<void>;
  /** Puts role=primary on `to` and removes it from every other pod. */
  moveLabel(to: string): Promise<void>;
  /** What the services were last told. */
  readPublished(): Promise<Published>;
  /** Tells the services (rendered policy) where the primary is; `warmup` when Redis came back cold. */
  publish(p: { primary: RedisPod; epoch: number; warmup?: WarmupRequest }): Promise<void>;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  /**
   * Resolves while this operator still holds its leader Lease (with a margin for clock
   * skew); throws NotLeaderError otherwise. Called before every mutating step, so a
   * deposed leader's tick stops between two steps.
   */
  ensureLeading(): Promise<void>;
}

export interface FailoverConfig {
  readonly redis: string;
  readonly enabled: boolean;
  readonly detectAfterMs: number;
  readonly checkIntervalMs: number;
  readonly warmup: { readonly onColdRedis: boolean; readonly topKeys: number; readonly ratePerSecond: number };
  /** Service instances sharing the warmup rate. */
  readonly instances: number;
}

export interface BrainOptions {
  readonly config: FailoverConfig;
  readonly admin: RedisAdmin;
  readonly seams: FailoverSeams;
  readonly clock: Pick<Clock, 'now'>;
  readonly newId: () => string;
  readonly metrics?: FailoverMetrics;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** Bounds one tick's work: a promotion has five steps plus one REPLICAOF per replica. */
const MAX_ACTIONS_PER_TICK = 32;

export class FailoverBrain {
  private health: Health = new Map();
  private config: FailoverConfig;
  private lastHold: HoldReason | null = null;
  /**
   * Primary key count at the last healthy check, for cold-Redis detection. Kept in memory,
   * not in status: it changes on every tick and a status write per tick would load the API server.
   */
  private lastKeys: number | null = null;
  private readonly arming: FenceArming;
  /** Most primaries seen answering at once; the chaos scenarios read it. */
  maxPrimariesObserved = 0;

  constructor(private readonly o: BrainOptions) {
    this.config = o.config;
    this.arming = new FenceArming(o.admin, () => o.seams.ensureLeading());
  }

  /** Live policy updates (detectAfter, checkInterval, warmup) apply from the next tick. */
  reconfigure(c: FailoverConfig): void {
    this.config = c;
  }

  /** One check-judge-act round. Public so tests drive it step by step with a fake clock. */
  async tick(): Promise<Decision> {
    const pods = await this.o.seams.pods();
    this.o.admin.retain(pods);
    let record = await this.o.seams.loadRecord();
    this.health = await this.check(pods, record.primary);
    const world = await this.world();
    this.o.metrics?.observeRoles(this.config.redis, this.health);
    this.maxPrimariesObserved = Math.max(this.maxPrimariesObserved, primariesSeen(world).length);
    const now = this.o.clock.now();
    const verdict = judge(this.health, record.primary, now, this.config.detectAfterMs);
    const decision = decide({
      record,
      verdict,
      health: this.health,
      failoverEnabled: this.config.enabled,
      detectAfterMs: this.config.detectAfterMs,
      newId: this.o.newId,
      now,
    });
    if (decision.kind !== 'hold') this.lastHold = null;
    this.o.metrics?.holding(this.config.redis, decision.kind === 'hold' ? decision.reason : null);
    switch (decision.kind) {
      case 'hold':
        this.hold(decision.reason, decision.detail);
        break;
      case 'adopt':
        record = { ...record, primary: decision.primary, epoch: Math.max(record.epoch, 1) };
        await this.o.seams.saveRecord(record);
        this.o.seams.event('Normal', EventReason.PrimaryAdopted, `redis ${this.config.redis}: ${decision.primary} acts as primary`);
        await this.steady(record, decision.primary);
        break;
      case 'steady':
        await this.steady(record, decision.primary);
        break;
      case 'promote':
        await this.promote(record, decision.progress, decision.resumed);
        break;
    }
    return decision;
  }

  private async check(pods: RedisPod[], recordedPrimary: string | null): Promise<Health> {
    const results = await Promise.all(pods.map(async (p): Promise<[string, Probe]> => [p.name, await this.o.admin.probe(p)]));
    return observe(this.health, pods, new Map(results), this.o.clock.now(), recordedPrimary);
  }

  private async world(): Promise<World> {
    return { health: this.health, published: await this.o.seams.readPublished() };
  }

  private hold(reason: HoldReason, detail?: string): void {
    // One Warning per hold episode, not one per tick: Events are for people.
    if (this.lastHold === reason) return;
    this.lastHold = reason;
    this.o.seams.event('Warning', reason, `redis ${this.config.redis}: not promoting (${reason})${detail ? `; ${detail}` : ''}`);
  }

  private async steady(record: RedisRecord, primary: string): Promise<void> {
    for (const action of steadyActions(await this.world(), primary, record.epoch).slice(0, MAX_ACTIONS_PER_TICK)) {
      await this.execute(action);
    }
    await this.arm(record, primary);
    const keys = this.health.get(primary)?.info?.keys ?? null;
    if (keys === null) return;
    this.o.metrics?.keys(this.config.redis, keys);
    const before = this.lastKeys;
    this.lastKeys = keys;
    if (collapsed(before, keys)) await this.requestWarmup(primary, record, before ?? 0);
  }

  /**
   * Keeps every pod fenced for `primary`; the record says whether the primary is, for the
   * quorum of a later tick or leader. It never claims more than was applied: lowering is
   * recorded before the CONFIG SET, raising after it.
   */
  private async arm(record: RedisRecord, primary: string): Promise<void> {
    const plan = fencePlan(this.health, primary, this.config.detectAfterMs);
    let r = record;
    if (!plan.fenced && r.primaryFenced) await this.o.seams.saveRecord((r = { ...r, primaryFenced: false }));
    const applied = await this.arming.apply(this.health, plan.settings);
    if (plan.fenced && applied && !r.primaryFenced) await this.o.seams.saveRecord((r = { ...r, primaryFenced: true }));
    this.o.metrics?.fenced(this.config.redis, r.primaryFenced);
  }

  private async requestWarmup(primary: string, record: RedisRecord, before: number): Promise<void> {
    const pod = this.health.get(primary)?.pod;
    const w = this.config.warmup;
    if (!pod || !w.onColdRedis) return;
    const warmup = warmupRequest(w, this.config.instances, this.o.newId(), this.o.clock.now());
    await this.o.seams.ensureLeading();
    await this.o.seams.publish({ primary: pod, epoch: record.epoch, warmup });
    this.o.seams.event('Warning', EventReason.ColdRedis, `redis ${this.config.redis} lost its keys (${before} before): warmup ${warmup.id} requested`);
  }

  private async promote(record: RedisRecord, start: PromotionProgress, resumed: boolean): Promise<void> {
    let p = start;
    if (!resumed) {
      // Recorded before any role changes, so a successor knows a promotion was under way.
      await this.o.seams.saveRecord({ ...record, promotion: p });
      this.o.seams.event('Warning', EventReason.PromotionStarted, `redis ${this.config.redis}: promoting ${p.to} (was ${p.from ?? 'none'}, ${p.reason})`);
    }
    for (let i = 0; i < MAX_ACTIONS_PER_TICK; i++) {
      const action = nextPromotionAction(p, await this.world());
      if (action.kind === 'abort') return this.abandon(record, p, action.reason);
      if (action.kind === 'complete') return this.complete(record, p);
      if (action.kind === 'advance') {
        p = { ...p, step: action.step };
        if (action.step === 'Promoted') this.o.metrics?.promoted(this.config.redis, p.reason, (this.o.clock.now() - p.detectedAt) / 1000);
        await this.o.seams.saveRecord({ ...record, promotion: p });
        continue;
      }
      await this.executeStep(p, action);
      this.health = await this.check(await this.o.seams.pods(), p.from);
    }
  }

  private async executeStep(p: PromotionProgress, action: Action): Promise<void> {
    try {
      await this.execute(action);
    } catch (err) {
      this.o.metrics?.failed(this.config.redis, p.step);
      throw err;
    }
  }

  private async abandon(record: RedisRecord, p: PromotionProgress, reason: HoldReason): Promise<void> {
    await this.o.seams.saveRecord({ ...record, promotion: null });
    this.o.seams.event('Warning', EventReason.PromotionAborted, `redis ${this.config.redis}: promotion of ${p.to} abandoned (${reason})`);
  }

  private async complete(record: RedisRecord, p: PromotionProgress): Promise<void> {
    const done: RedisRecord = {
      ...record,
      primary: p.to,
      epoch: p.epoch,
      promotions: record.promotions + 1,
      lastPromotion: this.o.clock.now(),
      promotion: null,
      primaryFenced: false, // the next steady tick raises the fence once its replicas are online, then records it
    };
    await this.o.seams.saveRecord(done);
    this.o.metrics?.promotion(this.config.redis, p.reason);
    this.o.seams.event('Normal', EventReason.PromotionCompleted, `redis ${this.config.redis}: ${p.to} is primary (epoch ${p.epoch})`);
  }

  private async execute(a: Action): Promise<void> {
    const pod = (name: string): RedisPod => {
      const h = this.health.get(name);
      if (!h) throw new Error(`unknown redis pod ${name}`);
      return h.pod;
    };
    if (a.kind === 'advance' || a.kind === 'abort' || a.kind === 'complete') return;
    await this.o.seams.ensureLeading();
    switch (a.kind) {
      case 'failover':
        // The target's fence as it will be as primary (its old primary is leaving): no NOREPLICAS window after the handover.
        await this.o.admin.setFence(pod(a.to), fencePlan(this.health, a.to, this.config.detectAfterMs).settings);
        return this.o.admin.failover(pod(a.from), pod(a.to), a.epoch);
      case 'replicaof-no-one': {
        const fence = fencePlan(this.health, a.pod, this.config.detectAfterMs).settings;
        return this.o.admin.replicaOfNoOne(pod(a.pod), { epoch: a.epoch, fence });
      }
      case 'replicaof':
        this.o.seams.event('Normal', EventReason.ReplicaRepointed, `redis ${this.config.redis}: ${a.pod} now replicates ${a.primary}`);
        return this.o.admin.replicaOf(pod(a.pod), pod(a.primary));
      case 'move-label':
        return this.o.seams.moveLabel(a.to);
      case 'publish':
        return this.o.seams.publish({ primary: pod(a.primary), epoch: a.epoch });
    }
  }
}
