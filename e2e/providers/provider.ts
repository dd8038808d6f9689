/**
 * What a cluster provider does for the e2e scenarios. `local` runs the real control plane
 * and plays the kubelet (starts the processes of each Pod it creates); `kind` deploys the
 * chart to a kind cluster. Scenarios speak only through this interface.
 */
export interface ServiceSpec {
  /** Workload name and the npm service it runs: 'market-data' or 'profile'. */
  readonly name: 'market-data' | 'profile';
  readonly replicas: number;
  /** CachePolicy spec applied (as CachePolicy `name`) before the pods start. */
  readonly policySpec: Record<string, unknown>;
}

export interface StackSpec {
  readonly namespace: string;
  readonly services: readonly ServiceSpec[];
  /** Start the operator (default true). */
  readonly operator?: boolean;
}

export interface Provider {
  readonly name: string;
  /** Brings the cluster up (control plane, CRD). */
  up(): Promise<void>;
  /** Stops everything this provider started. Safe to call twice. */
  down(): Promise<void>;
  readonly kubeconfigPath: string;
  kubectl(args: string[], input?: string): Promise<string>;
  deployStack(stack: StackSpec): Promise<void>;
  /** Process names: 'operator', 'redis', '<service>-<i>'. */
  processes(): string[];
  /** kill -9 one process (chaos). */
  kill(name: string): Promise<void>;
  /** Starts a killed or stopped process again, same name and port. */
  restart(name: string): Promise<void>;
  /** http://host:port of a process's HTTP server (metrics, API). */
  endpoint(name: string): string;
  /** OS pid of a process, where the provider can tell (local). */
  pid(name: string): number | undefined;
}
