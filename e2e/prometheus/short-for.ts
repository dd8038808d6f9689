/**
 * A TEST-ONLY copy of the generated rule file's alerts for the live e2e run: the same
 * expressions, labels and annotations, every `for:` shortened (the real windows, 1-2 minutes, are longer
 * than a 3-minute e2e run can hold), each rule labelled `live_copy="short-for"` and each
 * group renamed `<group>.live-short-for`. Loaded next to the real rules, so the same
 * Prometheus shows the real rules pending and this copy firing, told apart by that label.
 * It is written to a temp dir only; the checked-in rules are never changed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

export const LIVE_COPY_LABEL = 'live_copy';
export const LIVE_COPY_VALUE = 'short-for';

interface RuleDoc {
  groups: { name: string; rules: { alert?: string; for?: string; labels?: Record<string, string> }[] }[];
}

export function writeShortForCopy(rulesFile: string, dir: string, forSeconds: number): string {
  const doc = parse(readFileSync(rulesFile, 'utf8')) as RuleDoc;
  // Alerts only: the copy's alerts read the real file's recorded series. A relabelled copy of a
  // recording rule would record a second series of the same name, the alert expression would
  // match both, and two alerts with one label set fail the evaluation (so it never fired).
  doc.groups = doc.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => r.alert !== undefined) })).filter((g) => g.rules.length > 0);
  for (const g of doc.groups) {
    g.name = `${g.name}.live-${LIVE_COPY_VALUE}`;
    for (const r of g.rules) {
      if (r.for !== undefined) r.for = `${forSeconds}s`;
      r.labels = { ...r.labels, [LIVE_COPY_LABEL]: LIVE_COPY_VALUE };
    }
  }
  const out = join(dir, `rules.live-${LIVE_COPY_VALUE}-${forSeconds}s.TEST-ONLY.yaml`);
  writeFileSync(out, `# TEST-ONLY copy of ${rulesFile} for the live e2e run: every "for" set to ${forSeconds}s.\n${stringify(doc, { lineWidth: 0 })}`);
  return out;
}
