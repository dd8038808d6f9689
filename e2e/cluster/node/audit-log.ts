/**
 * The API server's audit log (JSON lines, one event per request) read for the requests a
 * namespace's ServiceAccounts made: how many, and which RBAC refused (403).
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface AuditEvent {
  readonly verb: string;
  readonly requestURI: string;
  readonly user: { readonly username: string };
  readonly responseStatus?: { readonly code?: number; readonly message?: string };
  readonly requestReceivedTimestamp: string;
  readonly stage: string;
}

export interface ServiceAccountCalls {
  /** Completed requests by the namespace's ServiceAccounts, per ServiceAccount. */
  readonly calls: Record<string, number>;
  readonly forbidden: AuditEvent[];
}

/** Folds one audit line into the tally; lines of other users, earlier requests or other stages are skipped. */
export function tally(into: { calls: Record<string, number>; forbidden: AuditEvent[] }, line: string, namespace: string, since: Date, until = new Date(8.64e15)): void {
  const prefix = `system:serviceaccount:${namespace}:`;
  // Cheap filter first: most lines belong to the node's own components.
  if (!line.includes(prefix)) return;
  const e = JSON.parse(line) as AuditEvent;
  const at = new Date(e.requestReceivedTimestamp);
  if (!e.user.username.startsWith(prefix) || e.stage !== 'ResponseComplete' || at < since || at > until) return;
  const sa = e.user.username.slice(prefix.length);
  into.calls[sa] = (into.calls[sa] ?? 0) + 1;
  if (e.responseStatus?.code === 403) into.forbidden.push(e);
}

/** Reads the log files in order (rotated backup first, if given) and tallies one namespace. */
export async function serviceAccountCalls(files: readonly string[], namespace: string, since: Date, until?: Date): Promise<ServiceAccountCalls> {
  const out = { calls: {} as Record<string, number>, forbidden: [] as AuditEvent[] };
  for (const file of files.filter((f) => existsSync(f))) {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    for await (const line of lines) if (line) tally(out, line, namespace, since, until);
  }
  return out;
}

export const describeEvent = (e: AuditEvent): string =>
  `${e.requestReceivedTimestamp} ${e.user.username} ${e.verb} ${e.requestURI}: ${e.responseStatus?.code} ${e.responseStatus?.message ?? ''}`;
