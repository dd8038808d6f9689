/**
 * A real nginx (Debian's /usr/sbin/nginx) as the WebSocket load balancer: a config in a
 * temp dir, run in the foreground with its own pid, log and temp paths, stopped by us.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort, startProcess, tempDir, waitFor, type Managed } from '../../testkit/process.js';

export const NGINX = process.env['HERDGUARD_NGINX'] ?? '/usr/sbin/nginx';

export interface Nginx extends Managed {
  readonly port: number;
  readonly url: string;
}

/**
 * Each proxied WebSocket holds two nginx connections (client and upstream), hence the high
 * worker_connections; a worker's descriptors are capped by the hard RLIMIT_NOFILE (20 000
 * here), so two workers share the listening port (reuseport) to hold twice as many. A pod
 * above its fair share answers an upgrade with 503; nginx then tries the next upstream,
 * and max_fails=0 keeps such a refusal from marking the pod down ("no live upstreams").
 */
export function nginxConfig(dir: string, port: number, upstreams: readonly string[], strategy: 'least_conn' | 'round_robin'): string {
  const asRoot = process.getuid?.() === 0;
  return `${asRoot ? 'user root;\n' : ''}daemon off;
worker_processes 2;
worker_rlimit_nofile 19800;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 19500; multi_accept on; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream market_data {
    ${strategy === 'least_conn' ? 'least_conn;' : ''}
    zone market_data 64k;
${upstreams.map((u) => `    server ${u} max_fails=0;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port} backlog=4096 reuseport;
    location / {
      proxy_pass http://market_data;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
      proxy_next_upstream error timeout http_503;
      proxy_next_upstream_tries 3;
    }
  }
}
`;
}

export async function startNginx(upstreams: readonly string[], strategy: 'least_conn' | 'round_robin' = 'least_conn'): Promise<Nginx> {
  if (!existsSync(NGINX)) throw new Error(`nginx not found at ${NGINX}: run "bash scripts/setup.sh" (installs Debian's nginx) or set HERDGUARD_NGINX`);
  const dir = tempDir('nginx');
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, port, upstreams, strategy));
  const proc = startProcess('nginx', NGINX, ['-p', dir, '-c', conf], { logDir: dir });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`nginx on ${url}`, async () => {
    if (proc.child.exitCode !== null) throw new Error(`nginx exited with ${proc.child.exitCode}; see ${join(dir, 'error.log')} and ${proc.logFile}`);
    const r = await request(`${url}/healthz`);
    await r.body.dump();
    return r.statusCode === 200;
  });
  return { ...proc, port, url };
}
