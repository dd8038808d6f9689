/**
 * npm run cluster:local -- up|down|env
 * up: brings up the real single node (control plane, kubelet + containerd + runc, CNI bridge,
 *     kube-proxy, CoreDNS) in ~/.cache/herdguard/node and returns, leaving it running;
 *     a node already up is reused. Prints KUBECONFIG=… last.
 * down: stops it and takes back everything it changed on the host; exits 1 naming anything left.
 * env: prints KUBECONFIG=… for `eval $(npm run -s cluster:local -- env)`.
 */
import { down, isUp, up } from './node/node.js';
import { nodeLayout } from './node/layout.js';

const COMMANDS = ['up', 'down', 'env'] as const;
const log = (m: string) => console.error(`[node] ${m}`);

async function main(cmd: string | undefined): Promise<void> {
  const layout = nodeLayout();
  switch (cmd) {
    case 'up': {
      const node = await up(log, layout);
      for (const i of node.images) log(`image ${i.name}: ${i.size}`);
      log(`stop with "npm run cluster:local -- down"`);
      console.log(`KUBECONFIG=${node.kubeconfigPath}`);
      return;
    }
    case 'down': {
      const left = await down(log, layout);
      if (left.length) throw new Error(`down left behind:\n  ${left.join('\n  ')}`);
      log('down: nothing left behind');
      return;
    }
    case 'env': {
      if (!isUp(layout)) throw new Error('the node is not running: start it with "npm run cluster:local -- up"');
      console.log(`KUBECONFIG=${layout.adminKubeconfig}`);
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
