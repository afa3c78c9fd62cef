import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { DecodeError, SizedCodec } from '../framework/codec.js';
import type { HostId } from '../framework/types.js';
import type { Value } from '../marshal/grammar.js';
import { array, bool, bytes, record, u32, u64, union, utf8 } from '../marshal/grammar.js';
import { compileCodec } from '../marshal/compile.js';
import type { RslMsg } from './protocol/messages.js';
import type { Reply, RslParams, Vote } from './protocol/types.js';

/**
 * IronRSL on the wire (docs/rsl.md §3, "Implementation"): one grammar for every `RslMsg`, after
 * IronFleet's `CMessage` grammar, with a tag byte per message in the order of `RslMsg`. The app
 * state inside `appStateSupply` travels as the service's serialized bytes (the implementation's
 * protocol is instantiated with `serviceAppSpec(factory)`, whose state is those bytes).
 *
 * The protocol's maps (a 1b's votes, a snapshot's reply cache) are arrays on the wire, sorted by
 * key: `rslCodec` encodes them in that order and refuses any other order or a repeated key, so the
 * format stays canonical (every accepted byte string is the encoding of its decoded message).
 */

/** The longest host id on the wire, in bytes of UTF-8 (ids are SHA-256 hex, 64 bytes, in `src/net`). */
export const rslHostIdBytesMax = 128;

/** The largest request payload on the wire, in bytes; `RslParams.requestBytesMax` must not exceed it. */
export const rslRequestBytesMax = 64 * 1024;

/** The largest reply on the wire, in bytes (a kv value of 32 KiB with its framing fits). */
export const rslReplyBytesMax = 64 * 1024;

/** The most requests in one batch on the wire (IronFleet's limit); `RslParams.batchSizeMax` must not exceed it. */
export const rslBatchLengthMax = 100;

/** The most votes in one 1b, in slots; `RslParams.logLengthMax` must not exceed it. */
export const rslVotesLengthMax = 64;

/** The largest serialized app state in a state transfer, in bytes (the kv store's 4 MiB with room). */
export const rslAppStateBytesMax = 8 * 1024 * 1024;

/** The most clients in a transferred reply cache; `RslParams.clientsMax` must not exceed it. */
export const rslReplyCacheLengthMax = 4096;

const hostId = utf8(rslHostIdBytesMax);
/** A ballot on the wire: seqno (8 bytes), proposer index (4 bytes). */
export const rslBallotGrammar = record({ seqno: u64(), proposer: u32() });
const ballot = rslBallotGrammar;
const request = record({ client: hostId, seqno: u64(), payload: bytes(rslRequestBytesMax) });
const batch = array(request, rslBatchLengthMax);
/** One acceptor vote with its slot, as a 1b and the acceptor's durable state carry it. */
export const rslVoteGrammar = record({ opn: u64(), maxVBal: ballot, maxVal: batch });
const vote = rslVoteGrammar;
const reply = record({ client: hostId, seqno: u64(), reply: bytes(rslReplyBytesMax) });

/** The grammar of IronRSL messages; union cases in the order of `RslMsg` (the order is the format). */
export const rslMsgGrammar = union('type', {
  request: record({ seqno: u64(), payload: bytes(rslRequestBytesMax) }),
  '1a': record({ ballot }),
  '1b': record({ ballot, logTruncationPoint: u64(), votes: array(vote, rslVotesLengthMax) }),
  '2a': record({ ballot, opn: u64(), batch }),
  '2b': record({ ballot, opn: u64(), batch }),
  heartbeat: record({ ballot, suspicious: bool(), opsComplete: u64() }),
  reply: record({ seqno: u64(), reply: bytes(rslReplyBytesMax) }),
  appStateRequest: record({ ballot, opn: u64() }),
  appStateSupply: record({
    ballot, opn: u64(), state: record({ app: bytes(rslAppStateBytesMax), replyCache: array(reply, rslReplyCacheLengthMax) }),
  }),
  startingPhase2: record({ ballot, logTruncationPoint: u64() }),
  leaderHint: record({ seqno: u64(), leader: hostId }),
});

/** The grammar's message: `RslMsg` with its maps as sorted arrays. */
export type RslWireMsg = Value<typeof rslMsgGrammar>;

/** The protocol's message of the implementation: the app state is the service's snapshot bytes. */
export type RslImplMsg = RslMsg<Uint8Array>;

/** The compiled codec of the grammar (wire form). */
export const rslWireCodec = compileCodec(rslMsgGrammar, 'RslMsg');

/** One vote on the wire: its slot, then the vote. */
type WireVote = Vote & { readonly opn: number };

/** `RslImplMsg` with each map replaced by the array the wire carries: what the grammar must describe. */
type ProtocolOnWire<M> = M extends { readonly type: '1b' }
  ? Omit<M, 'votes'> & { readonly votes: readonly WireVote[] }
  : M extends { readonly type: 'appStateSupply' }
    ? Omit<M, 'state'> & { readonly state: { readonly app: Uint8Array; readonly replyCache: readonly Reply[] } }
    : M;

// The grammar's value type is exactly the protocol's message type (maps as arrays), in both directions.
type Expected = ProtocolOnWire<RslImplMsg>;
const _wireIsProtocol: (m: RslWireMsg) => Expected = (m) => m;
const _protocolIsWire: (m: Expected) => RslWireMsg = (m) => m;
void _wireIsProtocol;
void _protocolIsWire;

const byOpn = (a: WireVote, b: WireVote): number => a.opn - b.opn;
const byClient = (a: Reply, b: Reply): number => (a.client < b.client ? -1 : a.client > b.client ? 1 : 0);

/** The wire form of `m`: maps as arrays sorted by key. */
export function toWire(m: RslImplMsg): RslWireMsg {
  if (m.type === '1b') return { ...m, votes: [...m.votes].map(([opn, v]) => ({ opn, maxVBal: v.maxVBal, maxVal: v.maxVal })).sort(byOpn) };
  if (m.type === 'appStateSupply') return { ...m, state: { app: m.state.app, replyCache: [...m.state.replyCache.values()].sort(byClient) } };
  return m;
}

/** The protocol message of wire message `w`, or why it is not one (a map's keys out of order or repeated). */
export function fromWire(w: RslWireMsg): Result<RslImplMsg, string> {
  if (w.type === '1b') {
    {
      const votes = new Map<number, Vote>();
      let last = -1;
      for (const v of w.votes) {
        if (v.opn <= last) return err(`votes must be in strictly ascending slot order; slot ${v.opn} follows ${last}`);
        last = v.opn;
        votes.set(v.opn, { maxVBal: v.maxVBal, maxVal: v.maxVal });
      }
      return ok({ type: '1b', ballot: w.ballot, logTruncationPoint: w.logTruncationPoint, votes });
    }
  }
  if (w.type === 'appStateSupply') {
    {
      const replyCache = new Map<HostId, Reply>();
      let last: string | null = null;
      for (const r of w.state.replyCache) {
        if (last !== null && r.client <= last) return err(`the reply cache must be in strictly ascending client order; ${JSON.stringify(r.client)} follows ${JSON.stringify(last)}`);
        last = r.client;
        replyCache.set(r.client, r);
      }
      return ok({ type: 'appStateSupply', ballot: w.ballot, opn: w.opn, state: { app: w.state.app, replyCache } });
    }
  }
  return ok(w);
}

/**
 * The codec of IronRSL messages: the compiled grammar codec, with the maps converted. Decoding
 * never throws; bytes the grammar accepts whose maps are out of order are refused as `invalid`.
 */
export const rslCodec: SizedCodec<RslImplMsg> = {
  encode: (m) => rslWireCodec.encode(toWire(m)),
  decode: (b): Result<RslImplMsg, DecodeError> => {
    const w = rslWireCodec.decode(b);
    if (!w.ok) return w;
    const m = fromWire(w.value);
    if (m.ok) return m;
    return err({ kind: 'invalid', offset: 0, path: `RslMsg.${w.value.type}`, message: `invalid at RslMsg.${w.value.type}: ${m.error}` });
  },
  size: (m) => rslWireCodec.size(toWire(m)),
  encodeInto: (m, out, offset) => rslWireCodec.encodeInto(toWire(m), out, offset),
};

/** Problems with `params` for this wire format (a limit above the grammar's), one sentence each; empty when none. */
export function rslWireProblems(params: RslParams): string[] {
  const problems: string[] = [];
  if (params.batchSizeMax > rslBatchLengthMax) problems.push(`batchSizeMax ${params.batchSizeMax} is over the wire's ${rslBatchLengthMax} (rslBatchLengthMax)`);
  if (params.logLengthMax > rslVotesLengthMax) problems.push(`logLengthMax ${params.logLengthMax} is over the wire's ${rslVotesLengthMax} votes (rslVotesLengthMax)`);
  if (params.requestBytesMax > rslRequestBytesMax) problems.push(`requestBytesMax ${params.requestBytesMax} is over the wire's ${rslRequestBytesMax} bytes (rslRequestBytesMax)`);
  if (params.clientsMax > rslReplyCacheLengthMax) problems.push(`clientsMax ${params.clientsMax} is over the wire's ${rslReplyCacheLengthMax} (rslReplyCacheLengthMax)`);
  return problems;
}
