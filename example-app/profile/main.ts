/** One profile service process: `npm run start:profile`, configured by env (see config.ts). */
import { createLogger } from '../../lib/1-ground/log.js';
import { installProcessGuard } from '../service-kit/process-guard.js';
import { exitOnSignals } from '../service-kit/server.js';
import { createProfileApp } from './app.js';
import { readConfig } from './config.js';

const logger = createLogger({ service: process.env['HERDGUARD_SERVICE_NAME'] ?? 'profile' });
try {
  const config = readConfig(process.env);
  const app = await createProfileApp(config, { logger });
  installProcessGuard({ service: config.serviceName, registry: app.registry, logger });
  exitOnSignals(() => app.close(), logger);
  const port = await app.service.listen(config.port);
  logger.info('listening', { port, cacheImpl: config.cacheImpl });
} catch (err) {
  logger.error('profile service failed to start', { err, problem: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
