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
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}
