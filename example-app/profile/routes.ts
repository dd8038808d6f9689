/** GET and PUT /users/:id over a ProfileStore, with the HTTP meaning of each failure. */
import { HerdguardError } from '../../lib/1-ground/errors.js';
import { HttpError, readJsonBody, sendJson, type Route } from '../service-kit/http.js';
import { parseProfilePatch, parseUserId } from './model.js';
import { ProfileNotFoundError, type ProfileStore } from './stores/store.js';

/** Largest PUT body accepted; a profile patch is far smaller. */
export const MAX_BODY_BYTES = 8 * 1024;

/** Cache failures that mean "try again shortly" rather than a bug. */
const UNAVAILABLE = new Set(['E_ORIGIN_REJECTED', 'E_ORIGIN_TIMEOUT', 'E_ORIGIN_FAILED', 'E_LEASE_WAIT_TIMEOUT']);

function toHttp(err: unknown, id: number): unknown {
  if (err instanceof ProfileNotFoundError) return new HttpError(404, 'not_found', `user ${id} does not exist`);
  if (err instanceof HerdguardError && UNAVAILABLE.has(err.code)) {
    return new HttpError(503, err.code, err.message, { 'retry-after': '1' });
  }
  return err;
}

export function profileRoutes(store: () => ProfileStore): Route[] {
  return [
    {
      method: 'GET',
      path: '/users/:id',
      handler: async ({ res, params }) => {
        const id = parseUserId(params['id'] ?? '');
        try {
          sendJson(res, 200, await store().get(id));
        } catch (err) {
          throw toHttp(err, id);
        }
      },
    },
    {
      method: 'PUT',
      path: '/users/:id',
      handler: async ({ req, res, params }) => {
        const id = parseUserId(params['id'] ?? '');
        const patch = parseProfilePatch(await readJsonBody(req, MAX_BODY_BYTES));
        try {
          sendJson(res, 200, await store().update(id, patch));
        } catch (err) {
          throw toHttp(err, id);
        }
      },
    },
  ];
}
