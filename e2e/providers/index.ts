/** Every provider, by name: one ChartProvider over the cluster each makes. */
import { ChartProvider } from './chart.js';
import type { Cluster } from './cluster.js';
import { KindCluster } from './kind.js';
import { LocalCluster } from './local.js';

export const clusters: Record<string, () => Cluster> = {
  local: () => new LocalCluster(),
  kind: () => new KindCluster(),
};

export const PROVIDER_NAMES = ['local', 'kind'] as const;

export const providerOn = (cluster: Cluster) => new ChartProvider(cluster);
