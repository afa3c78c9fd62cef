/**
 * Example grammars: a Multi-Paxos message union shaped like IronRSL's, and a grammar that uses
 * every constructor and edge (empty records and tuples, zero-size array elements, nested
 * optionals, maxima of 0). They exercise the codec compiler in tests, the fuzzer and the
 * benchmark, and show how a system's messages are written down.
 */
import type { Value } from './grammar.js';
import { array, bool, bytes, optional, record, tuple, u16, u32, u64, u8, union, utf8 } from './grammar.js';

/** The largest request payload the example carries, in bytes. */
export const examplePayloadBytesMax = 8 * 1024;

/** The most requests in one example batch. */
export const exampleBatchLengthMax = 64;

/** The most log entries in one example 1b message. */
export const exampleVotesLengthMax = 128;

const ballot = record({ seqno: u64(), proposer: u32() });

const request = record({ client: utf8(64), seqno: u64(), payload: bytes(examplePayloadBytesMax) });

const batch = array(request, exampleBatchLengthMax);

/** A Multi-Paxos message, after IronRSL's: requests, phase 1 and 2, heartbeats, state transfer. */
export const paxosMsgGrammar = union('type', {
  request,
  '1a': record({ ballot }),
  '1b': record({
    ballot,
    logTruncationPoint: u64(),
    votes: array(record({ opn: u64(), maxBallot: ballot, batch }), exampleVotesLengthMax),
  }),
  '2a': record({ ballot, opn: u64(), batch }),
  '2b': record({ ballot, opn: u64(), batch }),
  heartbeat: record({ ballot, suspicious: bool(), opnExecuted: u64() }),
  appStateRequest: record({ ballot, opnExecuted: u64() }),
  appStateSupply: record({ ballot, opnExecuted: u64(), appState: bytes(1024 * 1024) }),
  startingPhase2: record({ ballot, logTruncationPoint: u64() }),
  reply: record({ seqno: u64(), reply: bytes(examplePayloadBytesMax) }),
});

/** A message of the example Multi-Paxos grammar. */
export type PaxosMsg = Value<typeof paxosMsgGrammar>;

/** A grammar using every constructor, with the edges a codec is most likely to get wrong. */
export const everyShapeGrammar = record({
  small: u8(),
  medium: u16(),
  word: u32(),
  big: u64(),
  flag: bool(),
  blob: bytes(300),
  text: utf8(40),
  empty: record({}),
  nothing: tuple([]),
  pair: tuple([u8(), utf8(4)]),
  fixedPair: tuple([u16(), record({ a: u32(), b: bool() })]),
  zeroSized: array(record({}), 5),
  neverBytes: bytes(0),
  grid: array(array(u16(), 3), 3),
  maybe: optional(tuple([optional(u32())])),
  maybeList: array(optional(utf8(3)), 4),
  choice: union('kind', {
    none: record({}),
    one: record({ x: u64() }),
    many: record({ xs: array(tuple([u8(), u64()]), 6), note: optional(bytes(5)) }),
    nested: record({
      inner: union('type', { a: record({ v: u8() }), b: record({ w: utf8(10), when: optional(u64()) }) }),
    }),
  }),
  trailer: u32(),
});

/** A value of everyShapeGrammar. */
export type EveryShape = Value<typeof everyShapeGrammar>;
