/**
 * The one place where a policy update is applied or refused, for both sources, so a refusal
 * is always logged, counted, reported to the operator, and never escapes as an exception:
 * a throw from the service's onUpdate is a refusal like an invalid document.
 */
import { HerdguardError, PolicyInvalidError } from '../1-ground/errors.js';
import type { Logger } from '../1-ground/log.js';
import { parsePolicyDocument } from './load.js';
import { documentIdentity } from './rendered.js';
import {
  PolicyReloadError,
  type PolicyIdentity,
  type PolicyOutcome,
  type PolicyReloadReason,
  type PolicyReporter,
  type PolicyUpdate,
} from './source.js';

export interface PolicyOutcomesOptions {
  readonly logger: Logger;
  /** Called for every refusal; the service counts it in herdguard_policy_reload_errors_total. */
  readonly onError?: ((reason: PolicyReloadReason, err: unknown) => void) | undefined;
  readonly reporter?: PolicyReporter | undefined;
}

/** A one-line account of why a policy was refused, for logs and the operator's condition. */
export function refusalMessage(err: unknown): string {
  if (err instanceof PolicyInvalidError) return err.problems.join('; ');
  if (err instanceof HerdguardError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

export class PolicyOutcomes {
  /** Reports go out one at a time, in order; a failed one is logged and the next outcome writes again. */
  private reporting: Promise<void> = Promise.resolve();
  /** The document last tried: the same content is never tried twice (a refused one waits for a change). */
  private lastText: string | undefined;

  constructor(private readonly o: PolicyOutcomesOptions) {}

  /** Parses a document the source just read; undefined when it is the last one again, or refused. */
  parseNew(text: string): ReturnType<typeof parsePolicyDocument> | undefined {
    if (text === this.lastText) return undefined;
    this.lastText = text;
    try {
      return parsePolicyDocument(text);
    } catch (err) {
      const reason = err instanceof PolicyInvalidError ? PolicyReloadError.Invalid : PolicyReloadError.Unreadable;
      this.refuse(reason, err, documentIdentity(text));
      return undefined;
    }
  }

  /** Applies `u` through the service's callback; false when the service refused it. */
  apply(u: PolicyUpdate, onUpdate: (u: PolicyUpdate) => void): boolean {
    const identity = { policy: u.policy.name, generation: u.policy.generation };
    try {
      onUpdate(u);
    } catch (err) {
      this.refuse(PolicyReloadError.Rejected, err, identity);
      return false;
    }
    this.report({ kind: 'applied', ...identity });
    return true;
  }

  /** Logs, counts and (when the generation is known) reports a refused update. */
  refuse(reason: PolicyReloadReason, err: unknown, identity: PolicyIdentity | null): void {
    const message = refusalMessage(err);
    this.o.logger.error('policy update refused; the last good policy stays in force', {
      reason,
      ...(identity ?? {}),
      problems: err instanceof PolicyInvalidError ? err.problems : undefined,
      err,
    });
    this.o.onError?.(reason, err);
    if (identity) this.report({ kind: 'refused', ...identity, reason, message });
  }

  /** Resolves when every report queued so far is written (or has failed and been logged). */
  flush(): Promise<void> {
    return this.reporting;
  }

  private report(outcome: PolicyOutcome): void {
    const reporter = this.o.reporter;
    if (!reporter) return;
    this.reporting = this.reporting
      .then(() => reporter.report(outcome))
      .catch((err: unknown) => this.o.logger.warn('could not report the policy outcome to the operator', { err, outcome: outcome.kind }));
  }
}
