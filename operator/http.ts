/** /healthz (the process loop answers), /readyz (informers synced) and /metrics. */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export function startOpsServer(port: number, registry: Registry, ready: () => boolean): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return void res.writeHead(200).end('ok');
    if (path === '/readyz') return void res.writeHead(ready() ? 200 : 503).end(ready() ? 'ok' : 'informers not synced');
    if (path === '/metrics') {
      registry
        .metrics()
        .then((text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text))
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
      return;
    }
    res.writeHead(404).end('not found; try /healthz, /readyz or /metrics');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve(server));
  });
}
