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
  /** Extra environment for every instance. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A Redis StatefulSet named `redis`: pod 0 starts as primary, the others replicate it. */
export interface RedisSpec {
  /** Pods in all, primary included: 2 or 3. */
  readonly pods: number;
}

export interface StackSpec {
  readonly namespace: string;
  readonly services: readonly ServiceSpec[];
  /** Start the operator (default true). */
  readonly operator?: boolean;
  /** Operator replicas sharing the leader Lease (default 1); named 'operator', 'operator-1'. */
  readonly operators?: number;
  /** Extra operator environment (e.g. LEASE_DURATION_MS, test hooks). */
  readonly operatorEnv?: Readonly<Record<string, string>>;
  /** A Redis StatefulSet with replicas; without it, one plain redis-server for the services. */
  readonly redis?: RedisSpec;
  /** PostgreSQL for the profile service, seeded with users 1..N (default 10 000). */
  readonly postgres?: { readonly users: number };
  /** Start the feed simulator (the rate-limited market-data vendor) as process 'feed-simulator'; market-data pods get its URL. */
  readonly feedSimulator?: { readonly ratePerSecond?: number; readonly latencyMs?: number };
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
  /**
   * Planned deletion of a pod (rolling update): the Pod gets its deletionTimestamp first,
   * so the operator can switch over, then the process stops and the pod comes back.
   */
  deletePod?(name: string): Promise<void>;
  /** host and port of a Redis pod, for scenarios that ask Redis directly (INFO replication). */
  redisAddress?(name: string): { host: string; port: number };
  /** PostgreSQL URL of the profile database (pg_stat_statements enabled). */
  databaseUrl?(): string;
}
