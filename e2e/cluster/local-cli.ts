/**
 * npm run cluster:local -- up|down|env
 * up: starts etcd + kube-apiserver in ~/.cache/herdguard/cluster-local and returns (they keep running);
 * down: stops them; env: prints KUBECONFIG=… for `eval $(npm run -s cluster:local -- env)`.
 */
import { rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { detachedStatus, startControlPlane, stopDetached } from './local.js';

const COMMANDS = ['up', 'down', 'env'] as const;
const dir = process.env['HERDGUARD_CLUSTER_DIR'] ?? join(homedir(), '.cache/herdguard/cluster-local');

async function main(cmd: string | undefined): Promise<void> {
  switch (cmd) {
    case 'up': {
      const status = detachedStatus(dir);
      if (status.running) {
        console.error(`the local control plane is already running at ${status.server ?? '?'}`);
        console.log(`KUBECONFIG=${status.kubeconfigPath}`);
        return;
      }
      rmSync(join(dir, 'etcd'), { recursive: true, force: true }); // a fresh cluster each `up`
      console.error(`starting etcd and kube-apiserver in ${dir} …`);
      const cp = await startControlPlane({ dir, detached: true });
      console.error(`ready: ${cp.server} (logs in ${dir}); stop with "npm run cluster:local -- down"`);
      console.log(`KUBECONFIG=${cp.kubeconfigPath}`);
      return;
    }
    case 'down': {
      const stopped = await stopDetached(dir);
      console.error(stopped.length ? `stopped ${stopped.join(', ')}` : 'the local control plane was not running');
      return;
    }
    case 'env': {
      const status = detachedStatus(dir);
      if (!status.running) throw new Error('the local control plane is not running: start it with "npm run cluster:local -- up"');
      console.log(`KUBECONFIG=${status.kubeconfigPath}`);
      return;
    }
    default:
      throw new Error(`unknown command ${JSON.stringify(cmd ?? '')}; accepted: ${COMMANDS.join(', ')}`);
  }
}

main(process.argv[2]).catch((err: unknown) => {
  console.error(`cluster:local: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
