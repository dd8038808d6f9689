/**
 * Certificates for the local control plane, made with openssl: a CA, the apiserver's
 * serving certificate (127.0.0.1, localhost), an admin client certificate in
 * O=system:masters, and the service-account signing key pair. EC P-256 keys: fast to make.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ClusterCerts {
  readonly caCert: string;
  readonly caKey: string;
  readonly servingCert: string;
  readonly servingKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly saKey: string;
  readonly saPub: string;
}

export function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (cause) {
    const stderr = (cause as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed in ${cwd}: ${stderr.trim() || String(cause)}`, { cause });
  }
}

export const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function signed(dir: string, name: string, subject: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '3650',
      '-out', `${name}.crt`, '-extfile', `${name}.ext`],
    dir,
  );
}

/** Writes the certificates into dir (once: existing ones are reused) and returns their paths. */
export function ensureCerts(dir: string): ClusterCerts {
  const p = (f: string) => join(dir, f);
  const certs: ClusterCerts = {
    caCert: p('ca.crt'), caKey: p('ca.key'), servingCert: p('apiserver.crt'), servingKey: p('apiserver.key'),
    adminCert: p('admin.crt'), adminKey: p('admin.key'), saKey: p('sa.key'), saPub: p('sa.pub'),
  };
  if ((Object.values(certs) as string[]).every((f) => existsSync(f))) return certs;
  openssl(['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=herdguard-local-ca'], dir);
  signed(
    dir,
    'apiserver',
    '/CN=kube-apiserver',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n',
  );
  signed(
    dir,
    'admin',
    '/O=system:masters/CN=herdguard-admin',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
  );
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', 'sa.key'], dir);
  openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  return certs;
}
