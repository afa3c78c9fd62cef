/**
 * The registry of every message grammar in the project. The round-trip property tests and the
 * fuzzer (`npm run fuzz`) iterate this list, so a grammar added here is tested and fuzzed with no
 * further work. Add each system's message grammar when it is written.
 */
import type { RegisteredGrammar } from '../marshal/grammars.js';
import { exampleGrammars } from '../marshal/grammars.js';
import { lockMsgGrammar } from '../lock/wire.js';
import { rslMsgGrammar } from '../rsl/wire.js';
import { kvReplyGrammar, kvRequestGrammar, kvSnapshotGrammar } from '../apps/kv.js';

/** Every grammar in the project: each system's messages, then the toolkit's examples. */
export const allGrammars: readonly RegisteredGrammar[] = [
  { name: 'LockMsg', grammar: lockMsgGrammar },
  { name: 'RslMsg', grammar: rslMsgGrammar },
  { name: 'KvRequest', grammar: kvRequestGrammar },
  { name: 'KvReply', grammar: kvReplyGrammar },
  { name: 'KvSnapshot', grammar: kvSnapshotGrammar },
  ...exampleGrammars,
];
