/**
 * What the node changes on the host, and how `down` takes it back: the pod bridge,
 * ip_forward, the KUBE-/CNI- packet-filter chains, network namespaces and mounts, and the
 * processes themselves. `leftovers` lists whatever remains, so `down` and its test can
 * say exactly what was not cleaned.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pidAlive } from '../../../testkit/control-plane/detached.js';
import { BRIDGE, NODE_IP, POD_CIDR, type NodeLayout } from './layout.js';

const exec = promisify(execFile);
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';
const TABLES = ['filter', 'nat', 'mangle', 'raw'] as const;
/** Chains the kubelet, kube-proxy and the CNI plugins create; this host has no other Kubernetes. */
const OURS = /^(KUBE-|CNI-)/;

/** Runs a command; `env` is added to this process's environment (secrets go there, never in argv). */
export async function run(cmd: string, args: string[], env?: Readonly<Record<string, string>>): Promise<string> {
  try {
    return (await exec(cmd, args, { maxBuffer: 64 * 1024 * 1024, ...(env ? { env: { ...process.env, ...env } } : {}) })).stdout;
  } catch (err) {
    const e = err as { stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr ?? String(err)).trim()}`, { cause: err });
  }
}
const tryRun = (cmd: string, args: string[]) => run(cmd, args).catch(() => '');

export async function ensureBridge(): Promise<void> {
  if (!(await tryRun('ip', ['-o', 'link', 'show', BRIDGE]))) await run('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  const addrs = await run('ip', ['-o', '-4', 'addr', 'show', 'dev', BRIDGE]);
  if (!addrs.includes(`${NODE_IP}/`)) await run('ip', ['addr', 'add', `${NODE_IP}/${POD_CIDR.split('/')[1]}`, 'dev', BRIDGE]);
  await run('ip', ['link', 'set', BRIDGE, 'up']);
}

/** Remembers ip_forward's value before the node first turns it on, for `down` to restore. */
export function saveIpForward(l: NodeLayout): void {
  const file = join(l.dir, 'ip_forward.orig');
  if (!existsSync(file)) writeFileSync(file, readFileSync(IP_FORWARD, 'utf8').trim());
  writeFileSync(IP_FORWARD, '1');
}

export function restoreIpForward(l: NodeLayout): void {
  const file = join(l.dir, 'ip_forward.orig');
  if (!existsSync(file)) return;
  writeFileSync(IP_FORWARD, readFileSync(file, 'utf8').trim());
}

interface Rule {
  readonly table: string;
  readonly chain: string;
  readonly spec: string;
}

async function filterState(): Promise<{ chains: { table: string; chain: string }[]; rules: Rule[] }> {
  const chains: { table: string; chain: string }[] = [];
  const rules: Rule[] = [];
  for (const table of TABLES) {
    for (const line of (await tryRun('iptables-save', ['-t', table])).split('\n')) {
      const c = /^:(\S+)/.exec(line);
      if (c && OURS.test(c[1]!)) chains.push({ table, chain: c[1]! });
      const r = /^-A (\S+) (.*)$/.exec(line);
      if (r && (OURS.test(r[1]!) || / -j (KUBE-|CNI-)/.test(` ${r[2]!}`) || r[2]!.includes(BRIDGE) || r[2]!.includes('10.244.0.'))) {
        rules.push({ table, chain: r[1]!, spec: r[2]! });
      }
    }
  }
  return { chains, rules };
}

/** Deletes every rule that jumps to or lives in our chains, then the chains. */
export async function removeFilterChains(): Promise<void> {
  const { chains, rules } = await filterState();
  for (const r of rules.filter((x) => !OURS.test(x.chain))) {
    // iptables-save prints the rule in the syntax -D takes back; quoting is only around comments.
    const args = (r.spec.match(/"[^"]*"|\S+/g) ?? []).map((a) => a.replace(/^"(.*)"$/, '$1'));
    await tryRun('iptables', ['-t', r.table, '-D', r.chain, ...args]);
  }
  for (const c of chains) await tryRun('iptables', ['-t', c.table, '-F', c.chain]);
  for (const c of chains) await tryRun('iptables', ['-t', c.table, '-X', c.chain]);
}

export async function removeBridge(): Promise<void> {
  if (await tryRun('ip', ['-o', 'link', 'show', BRIDGE])) await tryRun('ip', ['link', 'del', BRIDGE]);
}

const nodeMounts = (l: NodeLayout) =>
  readFileSync('/proc/mounts', 'utf8').split('\n').map((line) => line.split(' ')[1] ?? '').filter((m) => m.startsWith(`${l.dir}/`));

/** containerd names the pod network namespaces it makes cni-<uuid> under /run/netns. */
const cniNetns = () => (existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith('cni-')) : []);

export async function removeMountsAndNetns(l: NodeLayout): Promise<void> {
  for (const m of nodeMounts(l).sort().reverse()) await tryRun('umount', ['-l', m]);
  for (const ns of cniNetns()) await tryRun('ip', ['netns', 'delete', ns]);
}

/** Pids of processes whose command line names the node's directory (shims included). */
export function nodeProcesses(l: NodeLayout): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    if (cmdline.includes(`${l.dir}/`) && pidAlive(Number(entry))) pids.push(Number(entry));
  }
  return pids;
}

/** Everything of the node still on the host; empty after a clean `down`. */
export async function leftovers(l: NodeLayout): Promise<string[]> {
  const found: string[] = [];
  for (const pid of nodeProcesses(l)) {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 2).join(' ');
    found.push(`process ${pid}: ${cmd}`);
  }
  for (const m of nodeMounts(l)) found.push(`mount ${m}`);
  for (const ns of cniNetns()) found.push(`network namespace ${ns}`);
  if (await tryRun('ip', ['-o', 'link', 'show', BRIDGE])) found.push(`bridge ${BRIDGE}`);
  const { chains, rules } = await filterState();
  for (const c of chains) found.push(`iptables chain ${c.table}/${c.chain}`);
  for (const r of rules) found.push(`iptables rule ${r.table}/${r.chain} ${r.spec}`);
  const orig = join(l.dir, 'ip_forward.orig');
  if (existsSync(orig) && readFileSync(orig, 'utf8').trim() !== readFileSync(IP_FORWARD, 'utf8').trim()) {
    found.push(`ip_forward is ${readFileSync(IP_FORWARD, 'utf8').trim()}, was ${readFileSync(orig, 'utf8').trim()}`);
  }
  return found;
}
