import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CRD_FILE, renderCrdYaml } from '../../crds/generate.js';

describe('the CachePolicy CRD', () => {
  it('is checked in exactly as a fresh generation from the policy schema (run npm run generate:crds)', () => {
    expect(readFileSync(CRD_FILE, 'utf8')).toBe(renderCrdYaml());
  });

  it('describes every spec field, so kubectl explain teaches', () => {
    const crd = parse(renderCrdYaml()) as { spec: { versions: Array<{ schema: { openAPIV3Schema: { properties: { spec: Record<string, unknown> } } } }> } };
    const undocumented: string[] = [];
    const walk = (s: Record<string, unknown>, path: string) => {
      if (path && typeof s['description'] !== 'string') undocumented.push(path);
      for (const [k, v] of Object.entries((s['properties'] ?? {}) as Record<string, Record<string, unknown>>)) walk(v, `${path}.${k}`);
      if (s['items']) walk(s['items'] as Record<string, unknown>, `${path}[]`);
    };
    walk(crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec, 'spec');
    expect(undocumented).toEqual([]);
  });
});
