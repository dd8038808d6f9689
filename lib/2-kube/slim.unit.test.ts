import { describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION, slimForCache } from './slim.js';

describe('what an informer keeps of an object', () => {
  it('drops managedFields and the last-applied annotation, keeping every other field', () => {
    const obj = {
      metadata: { name: 'p', generation: 3, managedFields: [{ manager: 'kubectl' }], annotations: { [LAST_APPLIED_ANNOTATION]: '{}', keep: 'yes' } },
      spec: { a: 1 },
    };
    expect(slimForCache(obj)).toEqual({ metadata: { name: 'p', generation: 3, annotations: { keep: 'yes' } }, spec: { a: 1 } });
  });

  it('removes the annotations map when the last-applied annotation was its only entry', () => {
    const obj = { metadata: { name: 'p', annotations: { [LAST_APPLIED_ANNOTATION]: '{}' } } };
    expect(slimForCache(obj)).toEqual({ metadata: { name: 'p' } });
  });
});
