/**
 * Release housekeeping for the chart provider, over kubectl alone: diagnostics when a
 * scenario fails, and the CachePolicy finalizers an uninstall or a stopped run left behind.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { podsOf } from './pods.js';
import type { Provider } from './provider.js';

type Kube = Pick<Provider, 'kubectl'>;

/** Objects, events, and every pod's current and previous logs, into dir. Returns dir. */
export async function collectDiagnostics(k: Kube, namespace: string, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const ns = ['-n', namespace];
  const save = async (file: string, args: string[]) =>
    writeFileSync(join(dir, file), await k.kubectl(args).catch((err: unknown) => `failed: ${String(err)}`));
  await save('objects.txt', ['get', 'all,cachepolicies,configmaps,leases,pdb', ...ns, '-o', 'wide']);
  await save('events.txt', ['get', 'events', ...ns, '--sort-by=.lastTimestamp']);
  await save('cachepolicies.yaml', ['get', 'cachepolicies', ...ns, '-o', 'yaml']);
  for (const p of await podsOf(k, namespace).catch(() => [])) {
    await save(`${p.name}.log`, ['logs', p.name, ...ns, '--all-containers', '--timestamps']);
    await save(`${p.name}.previous.log`, ['logs', p.name, ...ns, '--all-containers', '--timestamps', '--previous']);
  }
  return dir;
}

/** Whatever CachePolicy the operator did not finalize in time (e.g. 500 of them) is released here. */
export async function releaseFinalizers(k: Kube, ns: string, log: (m: string) => void): Promise<void> {
  const names = (await k.kubectl(['get', 'cachepolicies', '-n', ns, '-o', 'name']).catch(() => '')).split('\n').filter(Boolean);
  if (names.length) log(`releasing the finalizers of ${names.length} CachePolicies left in ${ns}`);
  for (const n of names) {
    await k.kubectl(['patch', n, '-n', ns, '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}']).catch(() => undefined);
  }
}

/**
 * A run that was stopped half-way can leave its namespace Terminating behind CachePolicies
 * whose finalizer no operator will release any more: release them, so the namespace goes.
 */
export async function clearTerminating(k: Kube, ns: string, log: (m: string) => void): Promise<void> {
  const phase = (await k.kubectl(['get', 'namespace', ns, '-o', 'jsonpath={.status.phase}']).catch(() => '')).trim();
  if (phase !== 'Terminating') return;
  log(`namespace ${ns} is still Terminating from an earlier run: releasing its CachePolicies' finalizers`);
  await releaseFinalizers(k, ns, log);
  await k.kubectl(['wait', '--for=delete', `namespace/${ns}`, '--timeout=120s']);
}
