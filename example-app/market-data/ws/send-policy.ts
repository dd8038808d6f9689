/**
 * The bounded send buffer for slow consumers. Above `dropAboveBytes` new quotes are
 * dropped (a quote is superseded by the next one anyway); above `disconnectAboveBytes`,
 * or after too many drops in a row, the client is disconnected. Memory per connection
 * is therefore bounded by roughly disconnectAboveBytes plus one message.
 */
export interface SendLimits {
  readonly dropAboveBytes: number;
  readonly disconnectAboveBytes: number;
  readonly maxConsecutiveDrops: number;
}

// A quote is ~150 bytes: 16 KiB queues ~100 of them, and each supersedes the last anyway.
export const DEFAULT_SEND_LIMITS: SendLimits = { dropAboveBytes: 16 * 1024, disconnectAboveBytes: 64 * 1024, maxConsecutiveDrops: 100 };

export type SendDecision = 'send' | 'drop' | 'disconnect';

export function decideSend(bufferedBytes: number, consecutiveDrops: number, l: SendLimits): SendDecision {
  if (bufferedBytes > l.disconnectAboveBytes || consecutiveDrops >= l.maxConsecutiveDrops) return 'disconnect';
  if (bufferedBytes > l.dropAboveBytes) return 'drop';
  return 'send';
}
