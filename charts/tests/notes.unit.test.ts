import { describe, expect, it } from 'vitest';
import { NotesFormatError, parseNotes } from './notes.js';

const NOTES = `herdguard 0.1.0 is installed as release "hg" in namespace "shop".

  kubectl -n shop get cachepolicies
  kubectl -n shop port-forward svc/hg-operator-metrics 8090:8080 & sleep 2; curl -s localhost:8090/metrics | grep herdguard_

Example services:
  kubectl -n shop port-forward svc/hg-profile 8080:8080 & sleep 2; curl -s localhost:8080/users/1
`;

describe('parseNotes', () => {
  it('splits plain kubectl commands from port-forward and curl lines', () => {
    const r = parseNotes(NOTES);
    expect(r.kubectl.map((c) => c.args)).toEqual([['-n', 'shop', 'get', 'cachepolicies']]);
    expect(r.portForwards.map(({ args, localPort, url, grep }) => ({ args, localPort, url, grep }))).toEqual([
      { args: ['-n', 'shop', 'port-forward', 'svc/hg-operator-metrics', '8090:8080'], localPort: 8090, url: 'http://localhost:8090/metrics', grep: 'herdguard_' },
      { args: ['-n', 'shop', 'port-forward', 'svc/hg-profile', '8080:8080'], localPort: 8080, url: 'http://localhost:8080/users/1', grep: undefined },
    ]);
  });

  it.each([
    ['curl racing a port-forward that has not started', 'kubectl -n s port-forward svc/a 8080 & curl -s localhost:8080/x'],
    ['curl on another port than the forward', 'kubectl -n s port-forward svc/a 8080:80 & sleep 2; curl -s localhost:8081/x'],
    ['a plain line chaining two commands', 'kubectl -n s get pods; kubectl get svc'],
  ])('refuses %s', (_what, line) => {
    expect(() => parseNotes(`  ${line}\n`)).toThrow(NotesFormatError);
  });
});
