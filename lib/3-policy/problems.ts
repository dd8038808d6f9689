/**
 * What is wrong with a CachePolicy spec: one problem per field at fault, each with where it
 * is, what is accepted there and what arrived. validatePolicySpec reports their text (the
 * operator's conditions, the services' logs); createCache() turns the first into an option
 * error, so options given in code and a CRD are judged by the same checks.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { DURATION_PATTERN } from '../1-ground/duration.js';
import { crossFieldRules, type RuleSite } from './rules.js';
import { cachePolicySpecSchema } from './schema.js';

export interface SpecProblem {
  /** Where, e.g. `spec.keyspaces[0].ttl`; a missing or unknown field is named itself. */
  readonly path: string;
  /** What is accepted there, e.g. `between 1s and 8760h`. */
  readonly expected: string;
  /** What arrived there: undefined when missing, the whole object for a rule across fields. */
  readonly got: unknown;
  /** The problem as one line, as validatePolicySpec reports it. */
  readonly text: string;
}

// x-kubernetes-* keywords are for the API server; Ajv checks the structure and fills defaults.
const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true, verbose: true }); // verbose: errors carry the bad value
/** Checks the structure and fills every default the schema names, in place. */
export const checkStructure = ajv.compile(cachePolicySpecSchema);

const DURATION_WORDS = 'a duration such as 1500ms, 60s, 10m or 1h';

type Obj = Record<string, unknown>;

function fromAjv(e: ErrorObject): SpecProblem {
  const at = `spec${e.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')}`;
  const notAccepted = (expected: string): SpecProblem => ({
    path: at,
    expected,
    got: e.data,
    text: `${at}: ${JSON.stringify(e.data)} is not accepted; expected ${expected}`,
  });
  switch (e.keyword) {
    case 'pattern':
      return notAccepted(e.params['pattern'] === DURATION_PATTERN ? DURATION_WORDS : `a match for ${String(e.params['pattern'])}`);
    case 'enum':
      return notAccepted(`one of ${(e.params['allowedValues'] as unknown[]).join(', ')}`);
    case 'additionalProperties': {
      const field = String(e.params['additionalProperty']);
      return { path: `${at}.${field}`, expected: 'absent (no such field)', got: (e.data as Obj)[field], text: `${at}: unknown field "${field}"` };
    }
    case 'required': {
      const field = String(e.params['missingProperty']);
      return { path: `${at}.${field}`, expected: 'set (a required field)', got: undefined, text: `${at}: missing required field "${field}"` };
    }
    default: {
      const message = e.message ?? 'is invalid';
      // Ajv says "must be >= 1", "must be integer": the rest of the sentence is what is accepted.
      const expected = message.startsWith('must be ') ? message.slice('must be '.length) : `valid (${message})`;
      return { path: at, expected, got: e.data, text: `${at}: ${message} (got ${JSON.stringify(e.data)})` };
    }
  }
}

function objectsAt(spec: Obj, at: RuleSite): Array<[string, Obj]> {
  const keyspaces = (spec['keyspaces'] as Obj[]).map((k, i): [string, Obj] => [`spec.keyspaces[${i}]`, k]);
  const child = (name: string) =>
    keyspaces.flatMap(([p, k]) => (k[name] ? [[`${p}.${name}`, k[name] as Obj] as [string, Obj]] : []));
  switch (at) {
    case 'spec':
      return [['spec', spec]];
    case 'keyspace':
      return keyspaces;
    case 'jitter':
    case 'coalescing':
    case 'hotKeys':
      return child(at);
    case 'failover': {
      const f = (spec['redis'] as Obj | undefined)?.['failover'] as Obj | undefined;
      return f ? [['spec.redis.failover', f]] : [];
    }
    case 'origin':
    case 'warmup':
      return spec[at] ? [[`spec.${at}`, spec[at] as Obj]] : [];
    case 'root':
      return []; // metadata: validatePolicyName
  }
}

/** Every problem of a spec, as the API server would judge it; empty when it is valid. */
export function specProblems(spec: unknown): SpecProblem[] {
  const copy = structuredClone(spec);
  if (!checkStructure(copy)) return (checkStructure.errors ?? []).map(fromAjv);
  const problems: SpecProblem[] = [];
  for (const rule of crossFieldRules) {
    for (const [path, self] of objectsAt(copy as Obj, rule.at)) {
      if (rule.holds(self)) continue;
      const text = `${path}: ${rule.message}`;
      problems.push(
        rule.field !== undefined && rule.accepts !== undefined
          ? { path: `${path}.${rule.field}`, expected: rule.accepts, got: self[rule.field], text }
          : { path, expected: `consistent: ${rule.message}`, got: self, text },
      );
    }
  }
  (copy as { keyspaces: Obj[] }).keyspaces.forEach((k, i) => {
    const b = (k['earlyRefresh'] as Obj | undefined)?.['beta'];
    if (b !== undefined && !(Number(b) > 0 && Number(b) <= 10)) {
      const text = `spec.keyspaces[${i}].earlyRefresh: earlyRefresh.beta must be > 0 and <= 10`;
      problems.push({ path: `spec.keyspaces[${i}].earlyRefresh.beta`, expected: '> 0 and <= 10', got: b, text });
    }
  });
  return problems;
}
