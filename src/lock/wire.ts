import type { Value } from '../marshal/grammar.js';
import { record, u64, union } from '../marshal/grammar.js';
import { compileCodec } from '../marshal/compile.js';
import type { LockMsg } from './protocol/messages.js';

/**
 * IronLock on the wire: one tag byte (0 transfer, 1 locked) and the epoch as a 64-bit unsigned
 * integer, as IronFleet's lock marshals it. The codec is compiled from this grammar.
 */
export const lockMsgGrammar = union('type', {
  transfer: record({ epoch: u64() }),
  locked: record({ epoch: u64() }),
});

/** The codec of lock messages. */
export const lockCodec = compileCodec(lockMsgGrammar, 'LockMsg');

// The grammar's value type is exactly the protocol's message type, in both directions.
type WireLockMsg = Value<typeof lockMsgGrammar>;
const _wireIsProtocol: (m: WireLockMsg) => LockMsg = (m) => m;
const _protocolIsWire: (m: LockMsg) => WireLockMsg = (m) => m;
void _wireIsProtocol;
void _protocolIsWire;
