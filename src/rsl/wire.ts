import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { DecodeError, SizedCodec } from '../framework/codec.js';
import type { HostId, Packet } from '../framework/types.js';
import type { Value } from '../marshal/grammar.js';
import { array, bool, bytes, record, u32, u64, union, utf8 } from '../marshal/grammar.js';
import { utf8Length } from '../marshal/utf8.js';
import { compileCodec } from '../marshal/compile.js';
import type { RslMsg, RslMsgOf } from './protocol/messages.js';
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
 *
 * Client sessions **[ours]**: one client host (one key, one connection per replica) carries many
 * sessions, so `request`, `reply` and `leaderHint` carry a `session` number on the wire. The
 * protocol knows only IronFleet's clients, each a `HostId`: session `s` of the authenticated host
 * `H` is the protocol client `sessionClientId(H, s)`, and `rslPacketAbstraction` maps every
 * implementation packet to the protocol packet it stands for.
 */

/**
 * The longest host id on the wire, in bytes of UTF-8. Request clients in batches and reply caches
 * are session client ids: a transport id (SHA-256 hex, 64 bytes, in `src/net`), '/', and a u32
 * session in decimal (at most 10 digits), at most 75 bytes.
 */
export const rslHostIdBytesMax = 128;

/** The largest session number on the wire (a u32). */
export const rslSessionMax = 0xffff_ffff;

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
/** A batch of requests on the wire (also in the executor's log). */
export const rslBatchGrammar = batch;
/** One acceptor vote with its slot, as a 1b and the acceptor's durable state carry it. */
export const rslVoteGrammar = record({ opn: u64(), maxVBal: ballot, maxVal: batch });
const vote = rslVoteGrammar;
/** A reply cache entry on the wire (also in the executor's durable record). */
export const rslReplyGrammar = record({ client: hostId, seqno: u64(), reply: bytes(rslReplyBytesMax) });
const reply = rslReplyGrammar;

/** The grammar of IronRSL messages; union cases in the order of `RslMsg` (the order is the format). */
export const rslMsgGrammar = union('type', {
  request: record({ session: u32(), seqno: u64(), payload: bytes(rslRequestBytesMax) }),
  '1a': record({ ballot }),
  '1b': record({ ballot, logTruncationPoint: u64(), votes: array(vote, rslVotesLengthMax) }),
  '2a': record({ ballot, opn: u64(), batch }),
  '2b': record({ ballot, opn: u64() }),
  heartbeat: record({ ballot, suspicious: bool(), opsComplete: u64() }),
  reply: record({ session: u32(), seqno: u64(), reply: bytes(rslReplyBytesMax) }),
  appStateRequest: record({ ballot, opn: u64() }),
  appStateSupply: record({
    ballot, opn: u64(), state: record({ app: bytes(rslAppStateBytesMax), replyCache: array(reply, rslReplyCacheLengthMax) }),
  }),
  startingPhase2: record({ ballot, logTruncationPoint: u64() }),
  leaderHint: record({ session: u32(), seqno: u64(), leader: hostId }),
});

/** The grammar's message: `RslMsg` with its maps as sorted arrays. */
export type RslWireMsg = Value<typeof rslMsgGrammar>;

/** The protocol's message of the implementation: the app state is the service's snapshot bytes. */
export type RslProtocolMsg = RslMsg<Uint8Array>;

/** The client messages, which carry a session on the wire. */
type RslClientMsgType = 'request' | 'reply' | 'leaderHint';

/** A client message of the implementation: the protocol's, with the session of the client host. */
type WithSession<T extends RslClientMsgType> = RslMsgOf<Uint8Array, T> & {
  /** The session of the client host the message is from (request) or for (reply, leader hint). */
  readonly session: number;
};

/**
 * The implementation's message: the protocol's, except that a request, a reply and a leader hint
 * carry the client host's `session`; `rslPacketAbstraction` gives the protocol packet it stands for.
 */
export type RslImplMsg =
  | WithSession<'request'>
  | WithSession<'reply'>
  | WithSession<'leaderHint'>
  | Exclude<RslProtocolMsg, { readonly type: RslClientMsgType }>;

/**
 * The protocol client id of session `session` of client host `host`: `${host}/${session}`, the
 * session in canonical decimal. Injective: `parseSessionClientId` gives back `host` and `session`
 * (the session is what follows the last '/', so a host id holding '/' is no problem).
 */
export function sessionClientId(host: HostId, session: number): HostId {
  return `${host}/${session}`;
}

/**
 * The client host and session a protocol client id names (the inverse of `sessionClientId`), or
 * null for a string that is not one: no '/', an empty host, or a session that is not a u32 in
 * canonical decimal (no sign, no leading zero).
 */
export function parseSessionClientId(id: HostId): { readonly host: HostId; readonly session: number } | null {
  const slash = id.lastIndexOf('/');
  if (slash <= 0) return null;
  const digits = id.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,9})$/.test(digits)) return null;
  const session = Number(digits);
  if (session > rslSessionMax) return null;
  return { host: id.slice(0, slash), session };
}

/** Most ids a `SessionClientIds` keeps in each direction before it starts afresh. */
const sessionClientIdsMax = 8192;

/**
 * `sessionClientId` and `parseSessionClientId`, remembered: a replica names the client of every
 * request it takes and parses the client of every reply it sends, so the same few ids would be
 * built and parsed over and over. Answers are the functions' own; only the work is saved.
 */
export class SessionClientIds {
  private readonly ids = new Map<HostId, Map<number, HostId | null>>();
  private readonly parsed = new Map<HostId, { readonly host: HostId; readonly session: number } | null>();
  private idsCount = 0;

  /** `sessionClientId(host, session)`, or null when that id does not fit the wire (`fitsRslHostId`). */
  idOf(host: HostId, session: number): HostId | null {
    const known = this.ids.get(host)?.get(session);
    if (known !== undefined) return known;
    if (this.idsCount >= sessionClientIdsMax) {
      this.ids.clear();
      this.idsCount = 0;
    }
    let sessions = this.ids.get(host);
    if (sessions === undefined) {
      sessions = new Map();
      this.ids.set(host, sessions);
    }
    const id = sessionClientId(host, session);
    const fitting = fitsRslHostId(id) ? id : null;
    sessions.set(session, fitting);
    this.idsCount++;
    return fitting;
  }

  /** `parseSessionClientId(id)`. */
  parse(id: HostId): { readonly host: HostId; readonly session: number } | null {
    const known = this.parsed.get(id);
    if (known !== undefined) return known;
    if (this.parsed.size >= sessionClientIdsMax) this.parsed.clear();
    const parsed = parseSessionClientId(id);
    this.parsed.set(id, parsed);
    return parsed;
  }
}

/** Whether host id `id` fits the wire's `rslHostIdBytesMax` bytes of UTF-8. */
export function fitsRslHostId(id: HostId): boolean {
  // Counted without encoding (-1: a lone surrogate, which UTF-8 cannot carry).
  const n = utf8Length(id);
  return n >= 0 && n <= rslHostIdBytesMax;
}

/**
 * The protocol packet an implementation packet stands for (the monitor's packet abstraction): a
 * request from host `H` in session `s` is a request from client `sessionClientId(H, s)`, a reply
 * or leader hint to `H` in session `s` is one to that client, without the session field; every
 * other packet is itself.
 */
export function rslPacketAbstraction(p: Packet<RslImplMsg>): Packet<RslProtocolMsg> {
  const m = p.msg;
  if (m.type === 'request') {
    return { src: sessionClientId(p.src, m.session), dst: p.dst, msg: { type: 'request', seqno: m.seqno, payload: m.payload } };
  }
  if (m.type === 'reply') {
    return { src: p.src, dst: sessionClientId(p.dst, m.session), msg: { type: 'reply', seqno: m.seqno, reply: m.reply } };
  }
  if (m.type === 'leaderHint') {
    return { src: p.src, dst: sessionClientId(p.dst, m.session), msg: { type: 'leaderHint', seqno: m.seqno, leader: m.leader } };
  }
  // Every other message is a protocol message as it is: the packet itself, not a copy.
  return p as Packet<RslProtocolMsg>;
}

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

// The grammar's value type is exactly the implementation's message type (maps as arrays), in both directions.
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

/** The implementation message of wire message `w`, or why it is not one (a map's keys out of order or repeated). */
export function fromWire(w: RslWireMsg): Result<RslImplMsg, string> {
  if (w.type === '1b') {
    const votes = new Map<number, Vote>();
    let last = -1;
    for (const v of w.votes) {
      if (v.opn <= last) return err(`votes must be in strictly ascending slot order; slot ${v.opn} follows ${last}`);
      last = v.opn;
      votes.set(v.opn, { maxVBal: v.maxVBal, maxVal: v.maxVal });
    }
    return ok({ type: '1b', ballot: w.ballot, logTruncationPoint: w.logTruncationPoint, votes });
  }
  if (w.type === 'appStateSupply') {
    const replyCache = new Map<HostId, Reply>();
    let last: string | null = null;
    for (const r of w.state.replyCache) {
      if (last !== null && r.client <= last) return err(`the reply cache must be in strictly ascending client order; ${JSON.stringify(r.client)} follows ${JSON.stringify(last)}`);
      last = r.client;
      replyCache.set(r.client, r);
    }
    return ok({ type: 'appStateSupply', ballot: w.ballot, opn: w.opn, state: { app: w.state.app, replyCache } });
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
