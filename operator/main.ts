/**
 * npm run start:operator: the operator as it ships (operator/run.ts, no extensions). Env:
 * KUBECONFIG (or in-cluster), WATCH_NAMESPACE, METRICS_PORT, LEADER_ELECTION, LEASE_DURATION_MS, POD_NAME.
 */
import { runOperator } from './run.js';

runOperator().catch((err: unknown) => {
  console.error(JSON.stringify({ level: 'error', msg: 'operator failed to start', err: String(err) }));
  process.exit(1);
});
