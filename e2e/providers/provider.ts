/**
 * What the e2e scenarios may do to a cluster. One implementation (ChartProvider) installs
 * the Helm chart on a real cluster: `local`, the real node on this machine, or `kind`.
 * Scenarios speak only through this interface, which speaks only to the Kubernetes API.
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
  /** The operator container's args, to start another entry point of its image (chart value operator.args). */
  readonly operatorArgs?: readonly string[];
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
  /** Process names: 'operator' (the leader), 'operator-<i>', 'redis-<i>', '<service>-<i>', 'feed-simulator'. */
  processes(): string[];
  /** The Pod a process name stands for. */
  podName(name: string): string;
  /** The process name of a Pod (or a process name, unchanged). */
  processName(podOrProcess: string): string;
  /** The CachePolicy (and so the rendered ConfigMap) of a service. */
  policyName(service: ServiceSpec['name']): string;
  /** A service's CachePolicy manifest for a spec, named and targeted as the install needs. */
  cachePolicy(namespace: string, svc: ServiceSpec): Record<string, unknown>;
  /** Label selector of a service's pods. */
  podSelector(service: ServiceSpec['name']): string;
  /** kill -9 of a container's process, from its node; the kubelet restarts it. */
  kill(name: string): Promise<void>;
  /** Sends a signal to a container's main process from its node (SIGSTOP/SIGCONT: a stall). */
  signal(name: string, signal: 'SIGSTOP' | 'SIGCONT'): Promise<void>;
  /** Runs a command (iptables) inside a pod's network namespace, from its node: a partition. */
  inPodNetwork(name: string, argv: readonly string[], env?: Readonly<Record<string, string>>): Promise<string>;
  /** Waits until a killed process's container runs again and its pod is Ready. */
  restart(name: string): Promise<void>;
  /** http://host:port of a process's HTTP server (metrics, API). */
  endpoint(name: string): string;
  /** Memory of a process's pod, from its cgroup as the kubelet reports it. */
  memoryBytes(name: string): Promise<{ rssBytes: number; workingSetBytes: number }>;
  /**
   * Planned deletion of a pod (rolling update): graceful, so the operator can switch over
   * during the grace period; resolves once its controller's replacement is Ready.
   */
  deletePod(name: string): Promise<void>;
  /** Address and password of a Redis pod, for scenarios that ask Redis directly (INFO replication). */
  redisAddress(name: string): { host: string; port: number; password: string };
  /** PostgreSQL URL of the profile database (pg_stat_statements enabled). */
  databaseUrl(): string;
}
