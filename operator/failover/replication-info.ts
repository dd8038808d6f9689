/**
 * What one health check learns about a Redis node, parsed from `INFO server replication`
 * and `DBSIZE`. Pure, so ranking and health logic are tested on literal INFO text.
 */
export interface ReplicationInfo {
  readonly role: 'master' | 'replica';
  /** Changes on every process start: a new run id means the node restarted (and, without persistence, lost its data). */
  readonly runId: string;
  /** For a primary: master_repl_offset. For a replica: the offset it has processed (slave_repl_offset). */
  readonly offset: number;
  /** replica-priority: lower wins, 0 means never promote (Sentinel's convention). */
  readonly priority: number;
  /**
   * For a replica: the primary it follows, whether its link is up, and how many whole
   * seconds ago it last heard from it (null while the link is down): the replica's vote
   * in the promotion quorum.
   */
  readonly master: {
    readonly host: string;
    readonly port: number;
    readonly linkUp: boolean;
    readonly lastIoSeconds: number | null;
    /**
     * The link has never been up since this process started (`master_link_down_since_seconds:-1`):
     * a restarted node without persistence holds nothing yet, whatever its replica-priority.
     */
    readonly neverSynced: boolean;
  } | null;
  /** For a primary: the replicas connected and online (`slaveN:ip=..,port=..,state=online`); none for a replica. */
  readonly onlineReplicas: readonly { readonly host: string; readonly port: number }[];
  /** For a primary: FAILOVER progress ("no-failover" when idle). */
  readonly failoverState: string;
  readonly keys: number;
}

function fields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0 || line.startsWith('#')) continue;
    out.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return out;
}

const int = (v: string | undefined, dflt: number): number => {
  const n = Number(v);
  return v !== undefined && Number.isFinite(n) ? n : dflt;
};

function onlineReplicas(f: Map<string, string>): { host: string; port: number }[] {
  const out: { host: string; port: number }[] = [];
  for (const [k, v] of f) {
    if (!/^slave\d+$/.test(k)) continue;
    const kv = new Map(v.split(',').map((p) => p.split('=') as [string, string]));
    if (kv.get('state') === 'online') out.push({ host: kv.get('ip') ?? '', port: int(kv.get('port'), 0) });
  }
  return out;
}

export function parseReplicationInfo(info: string, keys: number): ReplicationInfo {
  const f = fields(info);
  const isReplica = f.get('role') === 'slave';
  const masterHost = f.get('master_host');
  const lastIo = int(f.get('master_last_io_seconds_ago'), -1);
  return {
    role: isReplica ? 'replica' : 'master',
    runId: f.get('run_id') ?? '',
    offset: isReplica ? int(f.get('slave_repl_offset'), 0) : int(f.get('master_repl_offset'), 0),
    priority: int(f.get('slave_priority') ?? f.get('replica_priority'), 100),
    master:
      isReplica && masterHost
        ? {
            host: masterHost,
            port: int(f.get('master_port'), 0),
            linkUp: f.get('master_link_status') === 'up',
            lastIoSeconds: lastIo < 0 ? null : lastIo,
            neverSynced: f.get('master_link_status') !== 'up' && f.get('master_link_down_since_seconds') === '-1',
          }
        : null,
    onlineReplicas: isReplica ? [] : onlineReplicas(f),
    failoverState: f.get('master_failover_state') ?? 'no-failover',
    keys,
  };
}
