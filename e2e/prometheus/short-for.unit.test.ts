import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RULES_FILE } from '../../alerts/generate.js';
import { writeShortForCopy } from './short-for.js';

const dir = mkdtempSync(join(tmpdir(), 'hg-short-for-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Rule { alert?: string; record?: string; for?: string; labels?: Record<string, string> }

describe('the TEST-ONLY short-for copy of the rules', () => {
  it('holds every alert, each with the short for and the copy label, and no recording rule (it reads the real ones)', () => {
    const real = (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
    const copy = (parse(readFileSync(writeShortForCopy(RULES_FILE, dir, 5), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
    expect(real.some((r) => r.record)).toBe(true);
    expect(copy.filter((r) => r.record)).toEqual([]);
    expect(copy.map((r) => r.alert)).toEqual(real.filter((r) => r.alert).map((r) => r.alert));
    for (const r of copy) {
      expect(r.labels?.['live_copy']).toBe('short-for');
      if (r.for !== undefined) expect(r.for).toBe('5s');
    }
  });
});
