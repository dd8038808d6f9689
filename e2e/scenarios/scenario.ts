/** An e2e scenario: a name, and run(ctx) returning named figures for the JSON report. */
import type { Provider } from '../providers/provider.js';

export type ScenarioResult = Record<string, number | string | boolean | null>;

export interface ScenarioContext {
  readonly provider: Provider;
  /** --quick: shorter runs for CI smoke. */
  readonly quick: boolean;
  log(msg: string): void;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /**
   * A scenario whose correctness invariant is known to fail for a reason in the product that
   * is not fixed yet: left out of a default run with this reason printed and recorded in the
   * JSON; `--scenario NAME` runs it.
   */
  readonly knownFailure?: string;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}
