import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from './3-policy/defaults.js';
import { keyspaceSchema } from './3-policy/schema.js';

const README = readFileSync(new URL('README.md', import.meta.url), 'utf8');

/** The option tables' rows: name → the default column as written. */
function rows(header: string): Map<string, string> {
  const table = README.slice(README.indexOf(`| ${header} | default |`)).split('\n\n')[0] ?? '';
  const out = new Map<string, string>();
  for (const line of table.split('\n').slice(2)) {
    const [, name = '', dflt = ''] = line.split('|').map((c) => c.trim());
    out.set(name.replace(/`/g, ''), dflt.replace(/`/g, ''));
  }
  return out;
}

describe('lib/README.md', () => {
  it("documents every keyspace option of the CRD, with the CRD's defaults", () => {
    const documented = rows('keyspace option');
    const blocks = { coalescing: DEFAULTS.coalescing, l1: DEFAULTS.l1, hotKeys: DEFAULTS.hotKeys } as Record<string, Record<string, unknown>>;
    const expected = new Map<string, string>([['ttl', 'required'], ['jitter.max', 'absent'], ['earlyRefresh.beta', 'absent']]);
    for (const [k, v] of Object.entries(DEFAULTS.keyspace)) expected.set(k, String(v));
    for (const [block, fields] of Object.entries(blocks)) for (const [k, v] of Object.entries(fields)) expected.set(`${block}.${k}`, String(v));
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(expected));
    const crdFields = Object.keys(keyspaceSchema['properties'] as object).filter((f) => f !== 'prefix');
    expect(new Set([...documented.keys()].map((k) => k.split('.')[0]))).toEqual(new Set(crdFields));
  });

  it("documents the origin guard's options with the CRD's defaults", () => {
    const expected = Object.fromEntries(Object.entries(DEFAULTS.origin).map(([k, v]) => [`origin.${k}`, String(v)]));
    expect(Object.fromEntries(rows('origin option'))).toEqual(expected);
  });
});
