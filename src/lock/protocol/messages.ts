/**
 * IronLock's messages, as in IronFleet: Transfer(epoch) hands the lock to the next host in the
 * ring; Locked(epoch) announces that its sender holds the lock at that epoch. Here Locked also
 * acknowledges the Transfer, which stops the granter's retransmission.
 */
export type LockMsg =
  | { readonly type: 'transfer'; readonly epoch: number }
  | { readonly type: 'locked'; readonly epoch: number };

/** Structural equality of lock messages. */
export function equalLockMsg(a: LockMsg, b: LockMsg): boolean {
  return a.type === b.type && a.epoch === b.epoch;
}
