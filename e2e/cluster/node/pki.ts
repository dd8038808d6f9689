/**
 * The node's certificates: one CA, the API server's serving certificate (its bridge
 * address, the `kubernetes` Service address and names), and one client identity per
 * component, each in the group RBAC's bootstrap policy grants it, so no component but
 * the admin holds system:masters.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EC, openssl, signed } from '../../../testkit/control-plane/certs.js';
import { API_SERVICE_IP, CLUSTER_DOMAIN, NODE_IP, NODE_NAME } from './layout.js';
import type { ClientIdentity } from './configs.js';

const CLIENT_EXT = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';

/** name → subject. The kubelet's is what the Node authorizer and NodeRestriction expect. */
export const CLIENTS = {
  admin: '/O=system:masters/CN=herdguard-admin',
  kubelet: `/O=system:nodes/CN=system:node:${NODE_NAME}`,
  'kube-proxy': '/CN=system:kube-proxy',
  'kube-controller-manager': '/CN=system:kube-controller-manager',
  'kube-scheduler': '/CN=system:kube-scheduler',
  // The API server's identity towards kubelets (logs, exec, port-forward).
  'apiserver-kubelet-client': '/O=system:masters/CN=kube-apiserver-kubelet-client',
} as const;
export type ClientName = keyof typeof CLIENTS;

export const identity = (pki: string, name: ClientName): ClientIdentity => ({
  cert: join(pki, `${name}.crt`),
  key: join(pki, `${name}.key`),
});

/** Writes whatever is missing into pki (existing files are kept, so `up` is idempotent). */
export function ensureNodePki(pki: string): void {
  const has = (f: string) => existsSync(join(pki, f));
  if (!has('ca.crt')) {
    openssl(['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=herdguard-node-ca'], pki);
  }
  if (!has('apiserver.crt')) {
    const sans = [
      `IP:${NODE_IP}`, `IP:${API_SERVICE_IP}`, 'IP:127.0.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc', `DNS:kubernetes.default.svc.${CLUSTER_DOMAIN}`,
    ];
    signed(pki, 'apiserver', '/CN=kube-apiserver',
      `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans.join(',')}\n`);
  }
  for (const [name, subject] of Object.entries(CLIENTS)) if (!has(`${name}.crt`)) signed(pki, name, subject, CLIENT_EXT);
  if (!has('sa.key')) {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', 'sa.key'], pki);
    openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], pki);
  }
}
