/**
 * What the informers keep of each object: everything the controllers read, minus the two
 * fields none of them reads and that dominate an object's size: metadata.managedFields
 * (server-side apply bookkeeping, one entry per field manager) and kubectl's
 * last-applied-configuration annotation (a second full copy of the object as JSON).
 * Applied to every listed or watched object before it is cached; the same object is
 * returned, mutated, so nothing is copied.
 */
import type { KubeObject } from './resources.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export function slimForCache<T extends KubeObject>(obj: T): T {
  const meta = obj.metadata as T['metadata'] & { managedFields?: unknown };
  delete meta.managedFields;
  if (meta.annotations && LAST_APPLIED_ANNOTATION in meta.annotations) {
    delete meta.annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  return obj;
}
