import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allAlerts } from './index.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'runbooks');
const SECTIONS = ['Meaning', 'Impact', 'Diagnosis', 'Mitigation', 'Escalation'];
const runbooks = readdirSync(DIR).filter((f) => f.endsWith('.md') && f !== 'README.md');
const alerts = allAlerts().map((a) => a.alert);

function section(text: string, name: string): string {
  const start = text.indexOf(`\n## ${name}\n`);
  const next = text.indexOf('\n## ', start + 1);
  return start < 0 ? '' : text.slice(start, next < 0 ? undefined : next);
}

describe('runbooks', () => {
  it('every alert has its runbook and every runbook has its alert', () => {
    expect(runbooks.map((f) => f.replace(/\.md$/, '')).sort()).toEqual([...alerts].sort());
  });

  it.each(alerts)(
    '%s.md has Meaning, Impact, Diagnosis, Mitigation and Escalation, in that order',
    (alert) => {
      const text = readFileSync(join(DIR, `${alert}.md`), 'utf8');
      expect(text.startsWith(`# ${alert}\n`)).toBe(true);
      const at = SECTIONS.map((s) => text.indexOf(`\n## ${s}\n`));
      expect(
        at.every((i) => i > 0),
        `missing one of ${SECTIONS.join(', ')}`,
      ).toBe(true);
      expect([...at].sort((a, b) => a - b)).toEqual(at);
    },
  );

  it.each(alerts)(
    '%s.md diagnoses with PromQL and kubectl, and mitigates with a concrete change',
    (alert) => {
      const text = readFileSync(join(DIR, `${alert}.md`), 'utf8');
      const diagnosis = section(text, 'Diagnosis');
      expect(diagnosis).toMatch(/herdguard_[a-z_]+/);
      expect(diagnosis).toContain('kubectl');
      expect(section(text, 'Mitigation')).toMatch(
        /kubectl|spec\.|coalescing|jitter|staleIfError|earlyRefresh|hotKeys|alerts\/rules/,
      );
    },
  );
});
