import { describe, expect, it } from 'vitest';
import { parseReplicationInfo } from './replication-info.js';

const replicaText = [
  '# Server', 'redis_version:7.0.15', 'run_id:abc123', '', '# Replication', 'role:slave', 'master_host:127.0.0.1',
  'master_port:6380', 'master_link_status:up', 'master_last_io_seconds_ago:1', 'slave_repl_offset:4242', 'slave_priority:10', 'master_repl_offset:4242',
].join('\r\n');
const masterText = [
  'run_id:def456', 'role:master', 'connected_slaves:2', 'slave0:ip=10.0.0.2,port=6379,state=online,offset=5000,lag=0',
  'slave1:ip=10.0.0.3,port=6379,state=wait_bgsave,offset=0,lag=0', 'master_failover_state:waiting-for-sync', 'master_repl_offset:5000',
].join('\r\n');

describe('parseReplicationInfo', () => {
  it('reads a replica: its primary, link state, processed offset and priority', () => {
    const info = parseReplicationInfo(replicaText, 7);
    expect(info).toEqual({
      role: 'replica',
      runId: 'abc123',
      offset: 4242,
      priority: 10,
      master: { host: '127.0.0.1', port: 6380, linkUp: true, lastIoSeconds: 1, neverSynced: false },
      onlineReplicas: [],
      failoverState: 'no-failover',
      keys: 7,
    });
  });

  it('reads a replica whose link is down as having heard nothing from its primary', () => {
    const down = replicaText.replace('master_link_status:up', 'master_link_status:down').replace('master_last_io_seconds_ago:1', 'master_last_io_seconds_ago:-1');
    expect(parseReplicationInfo(down, 0).master).toEqual({ host: '127.0.0.1', port: 6380, linkUp: false, lastIoSeconds: null, neverSynced: false });
  });

  it('reads a replica that restarted and has never had its link up (master_link_down_since_seconds:-1) as never synced', () => {
    const fresh = replicaText.replace('master_link_status:up', 'master_link_status:down\r\nmaster_link_down_since_seconds:-1');
    expect(parseReplicationInfo(fresh, 0).master?.neverSynced).toBe(true);
    const lost = replicaText.replace('master_link_status:up', 'master_link_status:down\r\nmaster_link_down_since_seconds:3');
    expect(parseReplicationInfo(lost, 0).master?.neverSynced).toBe(false);
  });

  it('reads a primary: its own offset and the FAILOVER progress', () => {
    const info = parseReplicationInfo(masterText, 0);
    expect(info.role).toBe('master');
    expect(info.offset).toBe(5000);
    expect(info.master).toBeNull();
    expect(info.failoverState).toBe('waiting-for-sync');
    // The one still syncing does not count toward the fence.
    expect(info.onlineReplicas).toEqual([{ host: '10.0.0.2', port: 6379 }]);
    expect(info.priority).toBe(100);
  });
});
